import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CollectionResult } from '../../schema/collection.ts';
import type { collectWorkflow } from '../../workflows/collect.ts';
import { startDedicatedPostgres, startFaultSystem, testDevice, type FaultSystem } from '../support/fault-servers.ts';
import { apiRequest } from '../support/http.ts';
import { waitFor, withDeadline } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { testDir, uniqueName } from '../support/stack.ts';
import { collectMarkers, failedCollectAttempts, localActivityAttempt } from '../support/collect-evidence.ts';
import { ownerContext } from '../../services/device-service.ts';
import { collectorFor } from '../../domain/collectors/registry.ts';

/**
 * Injects: the system's PostgreSQL (a dedicated embedded one, not the shared server) is stopped while
 * metrics collections of a device are started, and started again on the same port and data directory.
 *
 * Short outage (about 3 s, shorter than the collect activity's retries: attempts at +0, +1, +3, +7 s):
 * nothing lost means every collection started during the outage completes, and lands exactly once:
 * snapshots == completed collections, no collection id twice, one successful `collect` audit row per
 * snapshot naming it, no error row; the API answers 503 (not a hang) while the database is down and
 * 200 again after, `/health` says degraded, then ok. Meanwhile a data read held in memory is answered
 * (marked stale, with the reason, once past its freshness threshold); one never read answers 503.
 *
 * Longer outage (past the fourth collect attempt): no collection is silently dropped either. Each
 * workflow gives up on `collect`, then `recordCollectionFailure` (10 attempts, backoff 1 s doubling up to
 * 30 s) keeps retrying until PostgreSQL is back and records one `error` audit row per collection, the
 * workflow fails with the classified code, and no snapshot is stored.
 */
describe('PostgreSQL stops and restarts while collections run', { timeout: 110_000 }, () => {
  let sshd: TestSshd;
  let postgres: Awaited<ReturnType<typeof startDedicatedPostgres>>;
  let sys: FaultSystem;
  let deviceId: string;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd-pg')));
    postgres = await startDedicatedPostgres(testDir(uniqueName('own-postgres')));
    sys = await startFaultSystem({ databaseUrl: postgres.url, runWorker: true });
    deviceId = (await sys.devices.create(testDevice('pg-dev', sshd, false), ownerContext('api'))).id;
    // A collection before the fault: the host key is pinned and the SSH connection is warm.
    await withDeadline(
      sys.collection.read('pg-dev', 'metrics', { forceRefresh: true }, ownerContext('api')),
      20_000,
      'the first collection',
    );
  });
  after(async () => {
    await postgres?.start().catch(() => undefined);
    await sys?.stop();
    await postgres?.stop();
    await sshd?.stop();
  });

  const startCollections = (label: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        sys.client.workflow.start<typeof collectWorkflow>('collectWorkflow', {
          workflowId: `${sys.instance}-${label}-${i}`,
          taskQueue: sys.instance,
          args: [{ hostname: 'pg-dev', dataType: 'metrics', trigger: 'api', forceRefresh: true, correlationId: null }],
        }),
      ),
    );
  /** Name and attempt of each run's pending activity. */
  const pending = (handles: WorkflowHandle[]) =>
    Promise.all(
      handles.map(
        async (h) =>
          (await h.describe()).raw.pendingActivities?.map((a) => ({
            name: a.activityType?.name,
            attempt: a.attempt ?? 0,
          }))[0],
      ),
    );
  /** Failed metrics collect attempts with the database's error code (the worker runs in this process). */
  const failedAttempts = () => failedCollectAttempts('metrics', 'internal_error');
  const apiStatus = (route: string) => apiRequest(sys.apiUrl!, 'GET', route, undefined, { timeoutMs: 10_000 });
  const snapshots = () =>
    sys.db
      .selectFrom('metrics_snapshots')
      .select(['id', 'collection_id'])
      .where('device_id', '=', deviceId)
      .orderBy('id')
      .execute();
  const collectAudit = () =>
    sys.db
      .selectFrom('audit_log')
      .select(['status', 'error_code', 'error_message', 'collection_id', 'snapshot_id'])
      .where('hostname', '=', 'pg-dev')
      .where('action', '=', 'collect')
      .orderBy('id')
      .execute();

  test(
    'a short outage: every collection started meanwhile lands exactly once, and the API recovers',
    { timeout: 50_000 },
    async () => {
      const before = await snapshots();
      const failedBefore = await failedAttempts();
      const freshRead = await apiStatus('/api/devices/pg-dev/metrics');
      assert.equal(freshRead.status, 200, JSON.stringify(freshRead.body));
      assert.equal(freshRead.body.stale, undefined, 'a fresh answer is not stale');
      await postgres.stop();
      const stoppedAt = Date.now();
      const handles = await startCollections('pg-short', 4);

      // The outage is seen: each collection's first attempt failed (collect is a local activity, so its
      // retries show in the worker's metrics, not among the run's pending activities).
      await waitFor('each collection to fail its first attempt', failedAttempts, {
        until: (n) => n - failedBefore >= handles.length,
        timeoutMs: 5_000,
        intervalMs: 50,
      });
      const health = await apiStatus('/health');
      assert.equal(health.status, 503, 'the API answers while the database is down');
      assert.equal(health.body.status, 'degraded');
      assert.equal((health.body.database as { status: string }).status, 'down');
      assert.match((health.body.database as { error: string }).error, /ECONNREFUSED/);
      const deviceRead = await apiStatus('/api/devices/pg-dev');
      assert.equal(
        deviceRead.status,
        503,
        'a read that needs the database says it is unavailable, not an internal error',
      );
      assert.equal((deviceRead.body.error as { code: string }).code, 'database_unavailable');

      // Data held in memory is still answered: as it is while fresh, and marked stale once past its threshold.
      const heldFresh = await apiStatus('/api/devices/pg-dev/metrics');
      assert.equal(heldFresh.status, 200, JSON.stringify(heldFresh.body));
      assert.equal(heldFresh.body.collected_at, freshRead.body.collected_at);
      assert.equal(heldFresh.body.stale, undefined, 'within its threshold the answer is what the threshold promises');
      const metrics = collectorFor('metrics') as { freshnessSeconds: number };
      const freshness = metrics.freshnessSeconds;
      metrics.freshnessSeconds = 0; // past its threshold at once, instead of a five-minute wait
      try {
        const staleRead = await apiStatus('/api/devices/pg-dev/metrics');
        assert.equal(staleRead.status, 200, JSON.stringify(staleRead.body));
        assert.match(String(staleRead.body.stale_reason), /^database unreachable: .*ECONNREFUSED/);
        assert.deepEqual(
          { ...staleRead.body, age_seconds: 0 },
          { ...freshRead.body, age_seconds: 0, stale: true, stale_reason: staleRead.body.stale_reason },
        );
      } finally {
        metrics.freshnessSeconds = freshness;
      }
      const neverRead = await apiStatus('/api/devices/pg-dev/containers');
      assert.equal(neverRead.status, 503, JSON.stringify(neverRead.body));
      assert.equal((neverRead.body.error as { code: string }).code, 'database_unavailable');
      // MCP's data tools ask the same service, and get the same code.
      await assert.rejects(sys.collection.read('pg-dev', 'containers', { forceRefresh: false }, ownerContext('mcp')), {
        code: 'database_unavailable',
        httpStatus: 503,
      });

      // The outage outlasts a retry: as many attempts again have failed (the second comes a second after the first).
      await waitFor('each collection to fail a retry too', failedAttempts, {
        until: (n) => n - failedBefore >= 2 * handles.length,
        timeoutMs: 5_000,
        intervalMs: 50,
      });
      await postgres.start();
      const outageMs = Date.now() - stoppedAt;
      assert.ok(outageMs < 6_000, `the outage (${outageMs} ms) stayed shorter than the collect retries`);

      const results: CollectionResult[] = await withDeadline(
        Promise.all(handles.map((h) => h.result())),
        30_000,
        'the collections started during the outage',
      );
      const runs = await Promise.all(
        handles.map(async (h) => ({
          collectionId: `${h.workflowId}/${h.firstExecutionRunId}`,
          history: await h.fetchHistory(),
        })),
      );
      for (const { history } of runs) {
        const markers = collectMarkers(history.events);
        assert.equal(markers.length, 1, 'one collect recorded per run');
        assert.ok(localActivityAttempt(markers[0]!) >= 2, 'the collection landed on a retry');
      }

      const after = await snapshots();
      const added = after.slice(before.length);
      assert.equal(added.length, handles.length, 'snapshots == completed collections');
      assert.equal(new Set(after.map((s) => s.collection_id)).size, after.length, 'no collection id twice');
      assert.deepEqual(added.map((s) => s.collection_id).sort(), runs.map((r) => r.collectionId).sort());
      assert.deepEqual(
        results.map((r) => r.snapshotId).sort(),
        added.map((s) => s.id).sort(),
        'each workflow answers the snapshot it stored',
      );
      const audit = await collectAudit();
      assert.deepEqual(
        audit.map((a) => a.status),
        after.map(() => 'success'),
        'one success row per snapshot, no error row',
      );
      assert.deepEqual(
        audit.map((a) => [a.collection_id, a.snapshot_id]).sort(),
        after.map((s) => [s.collection_id, s.id]).sort(),
        'each audit row names its snapshot',
      );

      const healthAfter = await apiStatus('/health');
      assert.equal(healthAfter.status, 200, JSON.stringify(healthAfter.body));
      assert.equal(healthAfter.body.status, 'ok');
      assert.equal((await apiStatus('/api/devices/pg-dev')).status, 200);
      const readAfter = await apiStatus('/api/devices/pg-dev/metrics');
      assert.equal(readAfter.status, 200, JSON.stringify(readAfter.body));
      assert.equal(readAfter.body.stale, undefined, 'not stale once the database is back');
      const device = await sys.db
        .selectFrom('devices')
        .select(['status', 'consecutive_failures'])
        .where('id', '=', deviceId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(device, { status: 'online', consecutive_failures: 0 });
      process.stderr.write(
        `# postgres short outage: ${outageMs} ms; collections done ${Date.now() - stoppedAt} ms after the stop\n`,
      );
    },
  );

  test(
    'a longer outage: each collection fails once PostgreSQL is back, with one error row and no snapshot',
    { timeout: 50_000 },
    async () => {
      const before = await snapshots();
      const auditBefore = await collectAudit();
      await postgres.stop();
      const stoppedAt = Date.now();
      const handles = await startCollections('pg-long', 2);

      // Outlast the collect retries: the workflows have moved on to recording the failure, which retries too.
      await waitFor('collect to give up and the failure records to retry', () => pending(handles), {
        until: (p) => p.every((a) => a?.name === 'recordCollectionFailure' && a.attempt >= 2),
        intervalMs: 200,
      });
      await postgres.start();
      const outageMs = Date.now() - stoppedAt;

      for (const h of handles) {
        const err = await withDeadline(
          h.result().then(
            () => null,
            (e: unknown) => e,
          ),
          40_000,
          'the failed collection',
        );
        assert.ok(err instanceof WorkflowFailedError, String(err));
        assert.ok(err.cause instanceof ApplicationFailure);
        assert.equal(err.cause.type, 'internal_error');
        assert.match(err.cause.message, /ECONNREFUSED/);
      }
      assert.deepEqual(await snapshots(), before, 'no snapshot');
      const added = (await collectAudit()).slice(auditBefore.length);
      assert.deepEqual(
        added.map((a) => [a.collection_id, a.status, a.error_code, a.snapshot_id]).sort(),
        handles.map((h) => [`${h.workflowId}/${h.firstExecutionRunId}`, 'error', 'internal_error', null]).sort(),
        'one error row per collection',
      );
      const device = await sys.db
        .selectFrom('devices')
        .select(['status', 'consecutive_failures'])
        .where('id', '=', deviceId)
        .executeTakeFirstOrThrow();
      assert.equal(device.consecutive_failures, 0, 'a database outage is not counted against the device');
      assert.equal(device.status, 'online');

      // And the system works again: a read through the API collects and stores.
      const read = await apiStatus('/api/devices/pg-dev/metrics?force_refresh=true');
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal((await snapshots()).length, before.length + 1);
      assert.equal((await apiStatus('/health')).status, 200);
      process.stderr.write(
        `# postgres long outage: ${outageMs} ms; failures recorded ${Date.now() - stoppedAt} ms after the stop\n`,
      );
    },
  );
});
