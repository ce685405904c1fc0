import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  diagnoseFleet,
  typesForFocus,
  type DiagnosedDataType,
  type DiagnosisFocus,
  type DiagnosisReport,
  type FleetDiagnosis,
} from '../domain/insights/diagnosis.ts';
import type { Trigger } from '../schema/database.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import { describeFailure } from './failure.ts';

const { collect } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, maximumInterval: '10 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
});
const { diagnoseDevice } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['device_not_found'] },
});

export interface DiagnoseInput {
  hostnames: string[];
  focus: DiagnosisFocus;
  trigger: Trigger;
  correlationId: string | null;
}

export interface DiagnoseResult {
  focus: DiagnosisFocus;
  reports: DiagnosisReport[];
  /** Set when more than one device was diagnosed: every finding in one ranking. */
  fleet: FleetDiagnosis | null;
}

/** Devices diagnosed at once; each runs its collections in parallel, so this bounds SSH work. */
const DEVICES_AT_ONCE = 8;

/**
 * Collects fresh data for the focus on each device, then judges it with its history and recent config
 * changes. It never changes anything on a device.
 */
export async function diagnoseWorkflow(input: DiagnoseInput): Promise<DiagnoseResult> {
  const types = typesForFocus(input.focus);
  const reports: DiagnosisReport[] = [];
  const queue = [...input.hostnames];
  const lane = async () => {
    for (let hostname = queue.shift(); hostname !== undefined; hostname = queue.shift()) {
      const report = await diagnoseOne(hostname);
      if (report) reports.push(report);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DEVICES_AT_ONCE, queue.length) }, lane));
  reports.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  return { focus: input.focus, reports, fleet: reports.length > 1 ? diagnoseFleet(reports) : null };

  /** Null when the device was removed while it was being diagnosed: it is no longer part of the fleet. */
  async function diagnoseOne(hostname: string): Promise<DiagnosisReport | null> {
    const collected: DiagnosedDataType[] = [];
    const failed: Array<{ data_type: DiagnosedDataType; reason: string }> = [];
    await Promise.all(
      types.map(async (dataType) => {
        try {
          await collect({
            hostname,
            dataType,
            trigger: input.trigger,
            forceRefresh: true,
            correlationId: input.correlationId,
          });
          collected.push(dataType);
        } catch (err) {
          const { code, message } = describeFailure(err);
          failed.push({ data_type: dataType, reason: `fresh collection failed (${code}): ${message}` });
        }
      }),
    );
    try {
      return await diagnoseDevice({
        hostname,
        focus: input.focus,
        collected,
        failed,
        trigger: input.trigger,
        correlationId: input.correlationId,
        workflowId: workflowInfo().workflowId,
      });
    } catch (err) {
      if (describeFailure(err).code === 'device_not_found') return null;
      throw err;
    }
  }
}
