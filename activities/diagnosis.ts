import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { ContainersData } from '../domain/collectors/containers.ts';
import { MetricsData } from '../domain/collectors/metrics.ts';
import { collectorFor } from '../domain/collectors/registry.ts';
import {
  diagnose,
  type DiagnosedDataType,
  type DiagnosisFocus,
  type DiagnosisReport,
} from '../domain/insights/diagnosis.ts';
import type { Trigger } from '../schema/database.ts';
import type { Repositories } from '../store/index.ts';

export interface DiagnosisDeps {
  store: Repositories;
}

export interface DiagnoseDeviceInput {
  hostname: string;
  focus: DiagnosisFocus;
  /** Types collected fresh just before; their newest stored snapshots are what is judged. */
  collected: DiagnosedDataType[];
  /** Types whose fresh collection failed, with why: reported as not available, never as healthy. */
  failed: Array<{ data_type: DiagnosedDataType; reason: string }>;
  trigger: Trigger;
  correlationId: string | null;
  workflowId: string;
}

/** How far back trends (disk fill rate, restart loops) and config changes before a problem are looked for. */
const FILESYSTEM_TREND_DAYS = 7;
const CONTAINER_HISTORY_HOURS = 6;
const CONFIG_CHANGE_HOURS = 24;
const HISTORY_POINTS = 2000;
/** The parts of the history the trends read. */
const FilesystemHistory = MetricsData.pick({ filesystems: true });
const ContainerHistory = ContainersData.pick({ containers: true });

/** The points whose payload `schema` reads: one stored by an older version, of another shape, is left out of the trend. */
function readable<T>(
  schema: z.ZodType<T>,
  points: Array<{ collectedAt: Date; data: unknown }>,
): Array<{ collected_at: string; data: T }> {
  return points.flatMap((p) => {
    const parsed = schema.safeParse(p.data);
    return parsed.success ? [{ collected_at: p.collectedAt.toISOString(), data: parsed.data }] : [];
  });
}

/**
 * Judges one device from its fresh snapshots, its recent history and its config changes. Reads only;
 * writes one audit row with the counts.
 */
export async function diagnoseDevice(deps: DiagnosisDeps, input: DiagnoseDeviceInput): Promise<DiagnosisReport> {
  const { store } = deps;
  const device = await store.devices.findByHostname(input.hostname);
  if (!device)
    throw ApplicationFailure.create({
      type: 'device_not_found',
      message: `no device named ${input.hostname}`,
      nonRetryable: true,
    });
  const now = new Date();
  const snapshots: Partial<Record<DiagnosedDataType, unknown>> = {};
  let collectedAt = new Date(0);
  for (const type of input.collected) {
    const latest = await store.snapshots.latest(collectorFor(type), device.id);
    if (!latest) continue;
    snapshots[type] = latest.data;
    if (latest.collectedAt > collectedAt) collectedAt = latest.collectedAt;
  }
  const since = (hours: number) => new Date(now.getTime() - hours * 3600_000);
  const metrics = input.collected.includes('metrics')
    ? await store.snapshots.between('metrics_snapshots', device.id, {
        since: since(FILESYSTEM_TREND_DAYS * 24),
        until: now,
        limit: HISTORY_POINTS,
      })
    : [];
  const containers = input.collected.includes('containers')
    ? await store.snapshots.between('containers_snapshots', device.id, {
        since: since(CONTAINER_HISTORY_HOURS),
        until: now,
        limit: HISTORY_POINTS,
      })
    : [];
  const changes = await store.configHistory.changesSince(device.id, since(CONFIG_CHANGE_HOURS));

  const report = diagnose({
    device: device.hostname,
    focus: input.focus,
    collectedAt: (input.collected.length > 0 ? collectedAt : now).toISOString(),
    snapshots,
    filesystemHistory: readable(FilesystemHistory, metrics).map((p) => ({
      collected_at: p.collected_at,
      mounts: p.data.filesystems.map((f) => ({
        mount: f.mountpoint,
        used_bytes: f.used_bytes,
        size_bytes: f.size_bytes,
      })),
    })),
    containerHistory: readable(ContainerHistory, containers).map((p) => ({
      collected_at: p.collected_at,
      containers: p.data.containers.map((c) => ({
        name: c.name,
        state: c.state,
        restart_count: c.restart_count,
        health: c.health,
      })),
    })),
    recentConfigChanges: changes.map((c) => ({
      path: c.path,
      detected_at: new Date(c.detected_at).toISOString(),
      kind: c.change_type,
      risk: c.risk_level,
      summary: c.reasons.length > 0 ? c.reasons.join('; ') : null,
      first_capture: c.first_capture,
    })),
  });
  report.unavailable.push(...input.failed);
  await store.audit.write({
    device_id: device.id,
    hostname: device.hostname,
    action: 'diagnosis',
    data_type: null,
    trigger: input.trigger,
    status: 'success',
    workflow_id: input.workflowId,
    // One row per device and diagnosis, also when the activity is retried.
    collection_id: `diagnosis/${input.workflowId}/${device.hostname}`,
    correlation_id: input.correlationId,
    details: JSON.stringify({
      focus: input.focus,
      findings: report.findings.length,
      checked: report.checked,
      unavailable: report.unavailable,
      summary: report.summary,
    }),
  });
  return report;
}
