/**
 * What in a collection calls for the disk-replacement runbook: a drive whose SMART verdict is failed,
 * a pool that is not ONLINE. Pure; the collect activity hands the sightings to its workflow.
 */
import type { DrivesData } from '../collectors/drives/schema.ts';
import type { ZfsData, ZfsPool } from '../collectors/zfs/schema.ts';
import type { IncidentSighting } from '../../schema/incident.ts';

export function incidentSightings(dataType: string, data: unknown): IncidentSighting[] {
  if (dataType === 'drives') return failedDrives(data as DrivesData);
  if (dataType === 'zfs') return degradedPools(data as ZfsData);
  return [];
}

function failedDrives(data: DrivesData): IncidentSighting[] {
  if (data.status !== 'ok') return [];
  return data.drives
    .filter((d) => d.verdict === 'failed')
    .map((d) => {
      const subject = d.serial ?? d.name;
      const summary =
        data.problems.find((p) => p.startsWith(`${d.name} `)) ??
        `${d.name} ${d.model ?? ''} (${subject}): FAILED — ${d.reasons.join('; ')}`;
      return { kind: 'drive_failed' as const, subject, summary };
    });
}

function degradedPools(data: ZfsData): IncidentSighting[] {
  if (!data.zfs_available) return [];
  return data.pools
    .filter((p) => p.health !== 'ONLINE')
    .map((p) => ({ kind: 'pool_degraded' as const, subject: p.name, summary: poolSummary(data, p) }));
}

function poolSummary(data: ZfsData, pool: ZfsPool): string {
  const lines = data.problems.filter((p) => p.startsWith(`pool ${pool.name} `) || p.startsWith(`pool ${pool.name}:`));
  return lines.length > 0 ? lines.join('; ') : `pool ${pool.name} is ${pool.health}`;
}
