import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DrivesData } from '../domain/collectors/drives/schema.ts';
import type { ZfsData } from '../domain/collectors/zfs/schema.ts';
import type { IncidentEvent, IncidentInput, IncidentView } from '../schema/incident.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import { describeFailure } from './failure.ts';
import { incidentQuery, replacedUpdate } from './incident-messages.ts';

const { collect } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
});
const { recordIncident } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // The incident's record must land even if the database is away for a while.
  retry: { maximumInterval: '1 minute' },
});

/** A state carried over continue-as-new, so a days-long rebuild keeps one incident and one timeline. */
export interface IncidentCarry {
  view: IncidentView;
  lastProgress: number | null;
}

/**
 * The disk-replacement runbook: record the incident and tell people, wait — days if need be — for a
 * person to say the disk was replaced, then follow the resilver (or the new drive's first SMART read) to
 * a healthy state and close the incident with its timeline. It never touches the device itself.
 */
export async function diskIncidentWorkflow(input: IncidentInput, carry?: IncidentCarry): Promise<IncidentView> {
  const now = () => new Date().toISOString();
  const view: IncidentView = carry?.view ?? {
    incident_id: input.incidentId,
    device: input.hostname,
    kind: input.kind,
    subject: input.subject,
    summary: input.summary,
    state: 'awaiting_replacement',
    opened_at: now(),
    closed_at: null,
    timeline: [{ at: now(), event: 'opened', detail: input.summary }],
    workflow_id: workflowInfo().workflowId,
  };
  let lastProgress = carry?.lastProgress ?? null;
  let pendingRecord: Promise<void> = Promise.resolve();
  const note = async (event: IncidentEvent) => {
    view.timeline.push(event);
    await record();
  };
  const record = () =>
    (pendingRecord = pendingRecord.then(() =>
      recordIncident({ view: { ...view, timeline: [...view.timeline] }, correlationId: input.correlationId }),
    ));

  setHandler(incidentQuery, () => view);
  setHandler(
    replacedUpdate,
    async ({ by, note: text }) => {
      view.state = 'rebuilding';
      await note({ at: now(), event: 'replaced', detail: text ?? 'disk replaced', by });
      return view;
    },
    {
      validator: (_request: { by: string; note: string | null }) => {
        if (view.state !== 'awaiting_replacement')
          throw new Error(`the incident is ${view.state}, not awaiting a replacement`);
      },
    },
  );

  if (!carry) await record();
  await condition(() => view.state !== 'awaiting_replacement');
  while (view.state === 'rebuilding') {
    if (workflowInfo().continueAsNewSuggested) {
      await pendingRecord;
      await continueAsNew<typeof diskIncidentWorkflow>(input, { view, lastProgress });
    }
    await sleep(input.checkIntervalSeconds * 1000);
    let data: unknown;
    try {
      data = (
        await collect({
          hostname: input.hostname,
          dataType: input.kind === 'pool_degraded' ? 'zfs' : 'drives',
          trigger: 'system',
          forceRefresh: true,
          correlationId: input.correlationId,
        })
      ).data;
    } catch (err) {
      // An unreachable device mid-rebuild is worth a line, not the end of the runbook.
      const { code, message } = describeFailure(err);
      if (view.timeline.at(-1)?.event !== 'check_failed')
        await note({ at: now(), event: 'check_failed', detail: `${code}: ${message}` });
      continue;
    }
    const progress =
      input.kind === 'pool_degraded'
        ? poolProgress(data as ZfsData, input.subject)
        : driveProgress(data as DrivesData, input.subject);
    if (progress.done) {
      view.state = 'closed';
      view.closed_at = now();
      await note({ at: view.closed_at, event: 'closed', detail: progress.detail });
    } else if (progress.percent !== null && (lastProgress === null || progress.percent - lastProgress >= 10)) {
      lastProgress = progress.percent;
      await note({ at: now(), event: 'progress', detail: progress.detail });
    }
  }
  await pendingRecord;
  return view;
}

interface Progress {
  done: boolean;
  percent: number | null;
  detail: string;
}

/** Done when the pool is ONLINE again and no resilver is running. */
export function poolProgress(data: ZfsData, pool: string): Progress {
  const p = data.pools.find((x) => x.name === pool);
  if (!p) return { done: false, percent: null, detail: `pool ${pool} not found (exported or not imported yet)` };
  const scan = p.scan;
  const running = scan.state === 'in_progress';
  if (p.health === 'ONLINE' && !running) {
    const finished =
      scan.kind !== 'none' && scan.state === 'finished'
        ? `; last ${scan.kind} finished with ${scan.errors ?? 0} error(s)`
        : '';
    return { done: true, percent: 100, detail: `pool ${pool} is ONLINE${finished}` };
  }
  if (running) {
    const left = scan.time_left_seconds === null ? '' : `, ~${formatDuration(scan.time_left_seconds)} left`;
    return {
      done: false,
      percent: scan.percent_done,
      detail: `${scan.kind} ${scan.percent_done ?? '?'} % done${left}; pool ${p.health}`,
    };
  }
  return { done: false, percent: null, detail: `pool ${pool} is ${p.health}, no resilver running` };
}

/** Done when the failed drive is gone and every drive in its place reads passed. */
export function driveProgress(data: DrivesData, serial: string): Progress {
  if (data.status !== 'ok') return { done: false, percent: null, detail: `drives cannot be read: ${data.status}` };
  const old = data.drives.find((d) => (d.serial ?? d.name) === serial);
  if (old && old.verdict === 'failed')
    return { done: false, percent: null, detail: `${serial} still present and failed` };
  const failing = data.drives.filter((d) => d.verdict === 'failed');
  if (failing.length > 0)
    return { done: false, percent: null, detail: `still failed: ${failing.map((d) => d.serial ?? d.name).join(', ')}` };
  return {
    done: true,
    percent: 100,
    detail: old ? `${serial} now reads ${old.verdict}` : `${serial} is gone; all ${data.drives.length} drive(s) pass`,
  };
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.max(1, Math.round(seconds / 60))} min`;
}
