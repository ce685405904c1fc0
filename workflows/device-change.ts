import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  detectsCapabilities,
  hostnameOf,
  reconnects,
  type DeviceChangeInput,
  type DeviceChangeResult,
} from '../schema/device-change.ts';

const { applyDeviceChange } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 10 },
});
const { syncDeviceSchedules, syncConfigWatcher, startDetection } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '30 seconds' },
});

/**
 * One change of one device — added, edited or removed — and what follows from it: the row and its audit
 * row, the polling schedules, the config watcher, detection. Named after the device, so two changes of
 * one device never run at once. Every step is idempotent and recorded in the history, so a worker that
 * dies between two steps leaves the rest to the next worker, not to the next start-up's reconcile.
 */
export async function deviceChangeWorkflow(input: DeviceChangeInput): Promise<DeviceChangeResult> {
  const result = await applyDeviceChange(input);
  if (result.outcome === 'refused') return result;
  const hostname = hostnameOf(input.change);
  await syncDeviceSchedules(hostname);
  await syncConfigWatcher({ hostname, reconnect: reconnects(input.change) });
  if (detectsCapabilities(input.change)) await startDetection(hostname);
  return result;
}
