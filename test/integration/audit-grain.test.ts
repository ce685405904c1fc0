import { LOCAL_OWNER } from '../../schema/api-token.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { RunningSystem } from '../../app/system.ts';
import { ownerContext } from '../../services/device-service.ts';
import { apiRequest, getWithHost } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * The audit's grain: cached reads are counted per minute and caller and written every few seconds,
 * collections and cache misses keep a row each, and the retention schedule deletes audit rows older
 * than AUDIT_RETENTION_DAYS. Cached reads answered before Express keep its guards and its bytes.
 */
describe('audit grain and retention: real sshd, PostgreSQL, Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem & { instance: string };
  let api: string;
  const tokens: Record<'alice' | 'bob' | 'carol', { id: string; token: string }> = {} as never;

  const get = (route: string, token: string | null, headers: Record<string, string> = {}) =>
    apiRequest(api, 'GET', route, undefined, { token, headers });
  /** Cached reads counted in audit rows, per principal. */
  const countedReads = async (hostname: string) => {
    const rows = await sys.db
      .selectFrom('audit_log')
      .select(['principal', 'count'])
      .where('hostname', '=', hostname)
      .where('action', '=', 'read')
      .where('cache_hit', '=', true)
      .execute();
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.principal!] = (counts[r.principal!] ?? 0) + r.count;
    return counts;
  };

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    sys = await startTestSystem({ security: { rateLimitPerMinute: 200, allowedHosts: [], adminToken: null } });
    api = sys.apiUrl!;
    await sys.devices.create(
      {
        hostname: 'grain',
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: false,
      },
      ownerContext('api'),
    );
    for (const name of ['alice', 'bob', 'carol'] as const) {
      const created = await sys.tokens.create({ name, scopes: ['read'], expires_in_days: null }, LOCAL_OWNER);
      tokens[name] = { id: `token:${created.id}`, token: created.token };
    }
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('cached reads by two principals add up in per-minute rows; the collection and the miss keep their own rows', async () => {
    const first = await get('/api/devices/grain/metrics', tokens.alice.token);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.from_cache, false);

    const reads = [
      ...Array.from({ length: 40 }, () => tokens.alice.token),
      ...Array.from({ length: 25 }, () => tokens.bob.token),
    ];
    const answers = await Promise.all(reads.map((token) => get('/api/devices/grain/metrics', token)));
    for (const a of answers) {
      assert.equal(a.status, 200, a.text);
      assert.equal(a.body.from_cache, true);
      assert.equal(a.body.collected_at, first.body.collected_at);
      assert.match(a.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
    }
    // A query string takes the app's path: the same answer, byte for byte but for its age.
    const throughApp = await get('/api/devices/grain/metrics?force_refresh=false', tokens.alice.token, {
      'x-correlation-id': 'grain-check',
    });
    const fast = await get('/api/devices/grain/metrics', tokens.alice.token, { 'x-correlation-id': 'grain-check' });
    const ageless = (text: string) => text.replace(/"age_seconds":[0-9.e-]+/, '"age_seconds":0');
    assert.equal(ageless(fast.text), ageless(throughApp.text));
    assert.deepEqual(Object.keys(fast.body), [
      'device',
      'data_type',
      'data',
      'collected_at',
      'age_seconds',
      'from_cache',
      'insights',
    ]);
    for (const header of ['content-type', 'x-correlation-id'])
      assert.equal(fast.headers.get(header), throughApp.headers.get(header), header);

    const expected = { [tokens.alice.id]: 42, [tokens.bob.id]: 25 };
    await waitFor('the cached reads counted per principal', () => countedReads('grain'), {
      // Whichever principal's read lands first is counted first: compare as maps, not as text.
      until: (c) => isDeepStrictEqual(c, expected),
      timeoutMs: 30_000,
    });
    const perMinute = await sys.db
      .selectFrom('audit_log')
      .select(['time', 'principal', (eb) => eb.fn.countAll<string>().as('rows')])
      .where('hostname', '=', 'grain')
      .where('action', '=', 'read')
      .where('cache_hit', '=', true)
      .groupBy(['time', 'principal'])
      .execute();
    assert.ok(
      perMinute.every((r) => Number(r.rows) === 1 && r.time.getUTCSeconds() === 0 && r.time.getUTCMilliseconds() === 0),
      JSON.stringify(perMinute),
    );

    const collect = await sys.db
      .selectFrom('audit_log')
      .select(['trigger', 'status', 'principal', 'count'])
      .where('hostname', '=', 'grain')
      .where('action', '=', 'collect')
      .execute();
    assert.deepEqual(collect, [{ trigger: 'api', status: 'success', principal: tokens.alice.id, count: 1 }]);
    const miss = await sys.db
      .selectFrom('audit_log')
      .select(['principal', 'count', 'workflow_id'])
      .where('hostname', '=', 'grain')
      .where('action', '=', 'read')
      .where('cache_hit', '=', false)
      .execute();
    assert.deepEqual(miss, [{ principal: tokens.alice.id, count: 1, workflow_id: first.body.workflow_id }]);

    const audit = await get('/api/audit?device=grain&action=read', tokens.alice.token);
    const entries = audit.body.entries as Array<{ cache_hit: boolean; count: number; duration_ms_sum: number | null }>;
    assert.equal(
      entries.filter((e) => e.cache_hit).reduce((n, e) => n + e.count, 0),
      67,
    );
    assert.ok(entries.filter((e) => e.cache_hit).every((e) => e.duration_ms_sum !== null));

    const perf = await get('/api/performance?period=minute&device=grain', tokens.alice.token);
    const apiReads = (
      perf.body.periods as Array<{
        service_name: string;
        action: string;
        operations_total: number;
        operations_cached: number;
        operations_failed: number;
      }>
    ).filter((p) => p.service_name === 'api' && p.action === 'read');
    assert.deepEqual(
      apiReads.reduce(
        (sum, p) => ({
          total: sum.total + p.operations_total,
          cached: sum.cached + p.operations_cached,
          failed: sum.failed + p.operations_failed,
        }),
        { total: 0, cached: 0, failed: 0 },
      ),
      { total: 68, cached: 67, failed: 0 },
    );
  });

  test('cached reads answered before the app keep its guards: token, revocation, Host, rate limit', async () => {
    assert.equal((await get('/api/devices/grain/metrics', tokens.carol.token)).body.from_cache, true);
    assert.equal((await get('/api/devices/grain/metrics', null)).status, 401);
    assert.equal(
      (await getWithHost(api, '/api/devices/grain/metrics', 'evil.example', tokens.carol.token)).status,
      403,
    );

    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await get('/api/devices/grain/metrics', tokens.carol.token)).status);
    assert.deepEqual([...new Set(statuses)], [200, 429], 'the app and the fast path count against one limit');
    assert.equal(
      statuses.indexOf(429),
      199,
      'the 200th request of the minute is the first refused (one was made above)',
    );

    await sys.tokens.revoke(tokens.bob.id.slice('token:'.length));
    const revoked = await get('/api/devices/grain/metrics', tokens.bob.token);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, 'token_revoked');
  });

  test('retention deletes audit rows older than the window and keeps newer ones', async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    await sys.db
      .insertInto('audit_log')
      .values(
        [120, 91, 89, 1].map((days) => ({
          time: daysAgo(days),
          hostname: 'retention-probe',
          action: 'device_update' as const,
          trigger: 'api' as const,
          status: 'success' as const,
          details: JSON.stringify({ days }),
        })),
      )
      .execute();
    const result = await sys.client.workflow.execute('retentionWorkflow', {
      taskQueue: sys.instance,
      workflowId: uniqueName(`${sys.instance}-retention-test`),
      args: [{ retentionDays: {}, auditRetentionDays: 90 }],
    });
    assert.equal(result.audit.deleted, 2);
    const kept = await sys.db
      .selectFrom('audit_log')
      .select('details')
      .where('hostname', '=', 'retention-probe')
      .orderBy('time')
      .execute();
    assert.deepEqual(
      kept.map((r) => (r.details as { days: number }).days),
      [89, 1],
    );
    const purge = await sys.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'retention_purge')
      .executeTakeFirstOrThrow();
    assert.deepEqual(purge.details as { table: string; deleted: number; retention_days: number }, {
      table: 'audit_log',
      deleted: 2,
      cutoff: result.audit.cutoff,
      retention_days: 90,
    });
    assert.ok((await countedReads('grain'))[tokens.alice.id]! > 0, 'today’s rows are kept');
  });
});
