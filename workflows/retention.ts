import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { PurgeResult } from '../activities/retention.ts';

const { purgeSnapshots } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export interface RetentionInput {
  /** Days to keep, per data type. */
  retentionDays: Record<string, number>;
}

/** Applies the retention of every data type, one after the other so the database sees one purge at a time. */
export async function retentionWorkflow(input: RetentionInput): Promise<PurgeResult[]> {
  const results: PurgeResult[] = [];
  for (const [dataType, retentionDays] of Object.entries(input.retentionDays)) {
    results.push(await purgeSnapshots({ dataType, retentionDays }));
  }
  return results;
}
