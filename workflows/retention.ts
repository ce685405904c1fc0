import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { AuditPurgeResult, PurgeResult } from '../activities/retention.ts';

const { purgeSnapshots, purgeAudit } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export interface RetentionInput {
  /** Days to keep, per data type. */
  retentionDays: Record<string, number>;
  /**
   * Days of audit rows to keep (AUDIT_RETENTION_DAYS). Absent from schedules made before audit
   * retention existed: those leave the audit log alone until the next start brings the schedule up to date.
   */
  auditRetentionDays?: number;
}

/**
 * Applies the retention of every data type, then of the audit log, one after the other so the database
 * sees one purge at a time.
 */
export async function retentionWorkflow(
  input: RetentionInput,
): Promise<{ snapshots: PurgeResult[]; audit: AuditPurgeResult | null }> {
  const snapshots: PurgeResult[] = [];
  for (const [dataType, retentionDays] of Object.entries(input.retentionDays)) {
    snapshots.push(await purgeSnapshots({ dataType, retentionDays }));
  }
  const audit =
    input.auditRetentionDays === undefined ? null : await purgeAudit({ retentionDays: input.auditRetentionDays });
  return { snapshots, audit };
}
