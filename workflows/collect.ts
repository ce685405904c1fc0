import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { CollectionInput, CollectionResult } from '../schema/collection.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import { startAlertDelivery } from './alert-delivery.ts';
import { describeFailure } from './failure.ts';

const { collect } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 4,
    nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS,
  },
});

const { recordCollectionFailure, syncDeviceSchedules, openIncidents } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '30 seconds' },
});

/**
 * One collection of one data type on one device. Schedules, the API, MCP and the CLI all start this
 * workflow; concurrent requests share a workflow id and so join one run.
 */
export async function collectWorkflow(input: CollectionInput): Promise<CollectionResult> {
  let result: CollectionResult;
  try {
    result = await collect(input);
  } catch (err) {
    const { code: errorCode, message } = describeFailure(err);
    let unrecorded = '';
    const alerts = await recordCollectionFailure({ input, errorCode, message }).catch((recordErr: unknown) => {
      // The database stayed away past every recording attempt: the failure is still the run's answer.
      unrecorded = ` (not recorded in the audit log: ${describeFailure(recordErr).message})`;
      return undefined;
    });
    await startAlertDelivery(alerts);
    throw ApplicationFailure.create({ type: errorCode, message: message + unrecorded, nonRetryable: true });
  }
  // A device found without docker stops being polled for containers; one that gained it starts.
  await startAlertDelivery(result.alerts);
  if (result.capabilitiesChanged) await syncDeviceSchedules(input.hostname);
  // A failed drive or degraded pool starts (or joins) its disk-replacement runbook.
  if (result.incidents && result.incidents.length > 0) {
    await openIncidents({ hostname: input.hostname, sightings: result.incidents, correlationId: input.correlationId });
  }
  return result;
}
