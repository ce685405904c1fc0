import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { collectorFor } from '../../domain/collectors/registry.ts';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { freePort } from '../support/ports.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

interface DataAnswer {
  device: string;
  data_type: string;
  data: Record<string, unknown>;
  collected_at: string;
  age_seconds: number;
  from_cache: boolean;
  workflow_id?: string;
}

describe('foundation: real sshd + real PostgreSQL + real Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;

  const http = apiClient(() => api);
  const addDevice = (hostname: string, extra: Record<string, unknown> = {}) =>
    http('POST', '/api/devices', {
      hostname,
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
      ...extra,
    });

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem();
    api = sys.apiUrl!;
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('add device → fresh metrics whose load average is the device’s /proc/loadavg → cached second read → audit rows for both (the cached one counted per minute)', async () => {
    const created = await addDevice('dev-metrics', { tags: ['lab'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.hostname, 'dev-metrics');
    assert.equal(created.body.identity_file, undefined, 'the key path is never returned');

    const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const fresh = await http('GET', '/api/devices/dev-metrics/metrics');
    const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    const first = fresh.body as DataAnswer;
    assert.equal(first.from_cache, false);
    assert.equal(first.device, 'dev-metrics');
    assert.equal(first.data_type, 'metrics');
    assert.ok(first.workflow_id);
    const load = first.data.load as { load_1: number };
    assert.ok(
      [Number(loadBefore), Number(loadAfter)].includes(load.load_1),
      `load_1 ${load.load_1} vs /proc/loadavg ${loadBefore}/${loadAfter}`,
    );
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    assert.equal((first.data.memory as { total_bytes: number }).total_bytes, memTotalKb * 1024);

    const cached = await http('GET', '/api/devices/dev-metrics/metrics');
    assert.equal(cached.status, 200);
    assert.equal(cached.body.from_cache, true);
    assert.equal(cached.body.collected_at, first.collected_at);
    assert.ok(cached.body.age_seconds >= 0 && cached.body.age_seconds < 300);

    // Cached reads are written as counts every few seconds: the row shows up after a flush.
    const audited = async () =>
      (await http('GET', '/api/audit?device=dev-metrics&data_type=metrics')).body.entries as Array<{
        action: string;
        cache_hit: boolean;
        trigger: string;
        status: string;
        count: number;
      }>;
    const entries = await waitFor('the cached read in the audit log', audited, {
      until: (rows) => rows.some((e) => e.action === 'read' && e.cache_hit === true),
    });
    assert.equal(
      entries.filter((e) => e.action === 'collect' && e.status === 'success' && e.trigger === 'api').length,
      1,
    );
    assert.deepEqual(
      entries.filter((e) => e.action === 'read' && e.cache_hit === false).map((e) => e.count),
      [1],
    );
    assert.deepEqual(
      entries.filter((e) => e.action === 'read' && e.cache_hit === true).map((e) => e.count),
      [1],
    );

    const device = await http('GET', '/api/devices/dev-metrics');
    assert.equal(device.body.status, 'online');
    assert.equal(device.body.host_key_fingerprint, sshd.hostKeyFingerprint(), 'host key pinned on first use');
  });

  test("a stored snapshot whose payload no longer has its type's shape (an older version's) is collected anew, not answered", async () => {
    assert.equal((await addDevice('dev-old-shape')).status, 201);
    const device = await sys.devices.require('dev-old-shape');
    // Newer than the detection that adding the device starts, so it is the one a read finds.
    await sys.store.snapshots.storeCollection({
      collector: collectorFor('capabilities'),
      deviceId: device.id,
      hostname: 'dev-old-shape',
      data: { kernel: 'an older payload', arch: 'x86_64' },
      collectedAt: new Date(Date.now() + 3_600_000),
      durationMs: 5,
      collectionId: `old-shape/${device.id}`,
      workflowId: 'old-shape',
      trigger: 'api',
      forceRefresh: false,
      correlationId: null,
      principal: 'local',
      warnings: [],
    });
    const read = await http('GET', '/api/devices/dev-old-shape/capabilities');
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.from_cache, false, 'the old snapshot was not answered');
    assert.ok(
      collectorFor('capabilities').schema.safeParse(read.body.data).success,
      "a fresh collection answered, in today's shape",
    );
  });

  test('a previous metrics snapshot of an older shape is no first CPU sample: the collection takes its own', async () => {
    assert.equal((await addDevice('dev-old-previous')).status, 201);
    const device = await sys.devices.require('dev-old-previous');
    // This machine's boot, so the snapshot would pass for the same boot; its counters lack today's fields.
    const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    const older = {
      cpu: { usage_percent: 1 },
      memory: { used_percent: 1 },
      load: { load_1: 0, load_5: 0, load_15: 0 },
      filesystems: [],
      uptime_seconds: 1,
      boot_time: bootTime,
      process_count: 1,
      cpu_raw: { busy: 1 },
    };
    await sys.store.snapshots.storeCollection({
      collector: collectorFor('metrics'),
      deviceId: device.id,
      hostname: 'dev-old-previous',
      data: older,
      collectedAt: new Date(),
      durationMs: 5,
      collectionId: `old-previous/${device.id}`,
      workflowId: 'old-previous',
      trigger: 'api',
      forceRefresh: false,
      correlationId: null,
      principal: 'local',
      warnings: [],
    });
    const read = await http('GET', '/api/devices/dev-old-previous/metrics?force_refresh=true');
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.data.cpu.source, 'in_command_sample');
    assert.ok(collectorFor('metrics').schema.safeParse(read.body.data).success, "answered in today's shape");
  });

  test('containers: one docker ps and ONE docker stats for all containers; 50 concurrent force_refresh cause one exec', async () => {
    assert.equal((await addDevice('dev-containers')).status, 201);
    const before = sshd.countCalls(/^docker ps/);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => http('GET', '/api/devices/dev-containers/containers?force_refresh=true')),
    );
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(sshd.countCalls(/^docker ps/) - before, 1, 'one collection reached the device');
    assert.equal(sshd.countCalls(/^docker stats/), 1, 'stats called once for every container');
    const data = answers[0]!.body.data as {
      docker_available: boolean;
      containers: Array<{ name: string; state: string; stats: unknown }>;
    };
    assert.equal(data.docker_available, true);
    assert.deepEqual(data.containers.map((c) => c.name).sort(), ['grafana', 'nextcloud-db', 'nginx', 'old-backup']);
    const nginx = data.containers.find((c) => c.name === 'nginx')!;
    assert.equal(nginx.state, 'running');
    assert.ok(nginx.stats);
    assert.equal(new Set(answers.map((a) => a.body.collected_at)).size, 1, 'every caller got the same collection');
    assert.equal(
      (await http('GET', '/api/devices/dev-containers')).body.capabilities.docker,
      true,
      'capability recorded on the device',
    );
  });

  test('network and services through the same path: the device’s real interfaces; no systemd is explicit', async () => {
    assert.equal((await addDevice('dev-net')).status, 201);
    const net = await http('GET', '/api/devices/dev-net/network');
    assert.equal(net.status, 200, JSON.stringify(net.body));
    const lo = net.body.data.interfaces.find((i: { name: string }) => i.name === 'lo');
    assert.ok(lo.addresses.some((a: { address: string }) => a.address === '127.0.0.1'));
    const services = await http('GET', '/api/devices/dev-net/services');
    assert.equal(services.status, 200, JSON.stringify(services.body));
    // This machine has systemctl but systemd is not PID 1: stated, not an error and not an empty "all fine".
    if (!services.body.data.systemd_available) assert.ok(services.body.data.reason);
    const device = (await http('GET', '/api/devices/dev-net')).body;
    assert.equal(device.capabilities.systemd, services.body.data.systemd_available);
  });

  test('a changed host key is refused, not retried, and shown on the device', async () => {
    assert.equal((await addDevice('dev-rekeyed')).status, 201);
    assert.equal((await http('GET', '/api/devices/dev-rekeyed/metrics')).status, 200);
    const pinned = (await http('GET', '/api/devices/dev-rekeyed')).body.host_key_fingerprint;
    const execsBefore = sshd.countCalls(/./);
    await sshd.rotateHostKey();
    sys.worker!.pool.closeAll();
    try {
      const res = await http('GET', '/api/devices/dev-rekeyed/metrics?force_refresh=true');
      assert.equal(res.status, 502);
      assert.equal(res.body.error.code, 'host_key_mismatch');
      assert.match(res.body.error.message, new RegExp(pinned.replace(/[+/]/g, '\\$&')));
      const device = (await http('GET', '/api/devices/dev-rekeyed')).body;
      assert.equal(device.status, 'host_key_mismatch');
      assert.equal(device.host_key_fingerprint, pinned, 'the pin is not replaced');
      assert.equal(sshd.countCalls(/./), execsBefore, 'nothing ran on the device');
      const audit = (await http('GET', '/api/audit?device=dev-rekeyed&action=collect')).body.entries as Array<{
        status: string;
        error_code: string;
      }>;
      assert.equal(audit.filter((e) => e.status === 'error' && e.error_code === 'host_key_mismatch').length, 1);
    } finally {
      // Other tests use this sshd: trust the new key for them by resetting pins.
      await sys.db.updateTable('devices').set({ host_key_fingerprint: null }).execute();
    }
  });

  test('a device whose SSH port is closed is reported at once: its read fails with connection_refused and it turns unreachable', async () => {
    const closedPort = await freePort();
    const started = performance.now();
    assert.equal((await addDevice('dev-closed', { port: closedPort })).status, 201);
    const read = await http('GET', '/api/devices/dev-closed/metrics');
    const readMs = Math.round(performance.now() - started);
    assert.equal(read.status, 502, JSON.stringify(read.body));
    assert.equal(read.body.error.code, 'connection_refused');
    assert.match(
      read.body.error.message,
      new RegExp(`dev-closed \\(127\\.0\\.0\\.1:${closedPort}\\): connection refused`),
    );
    // Generous: the point is that no round of retries stands between the refusal and the answer.
    const device = await waitFor(
      'dev-closed to turn unreachable',
      async () => (await http('GET', '/api/devices/dev-closed')).body,
      { until: (d) => d.status === 'unreachable', timeoutMs: 30_000 },
    );
    assert.match(device.status_detail, /^connection_refused: /);
    process.stdout.write(
      `closed port: read failed after ${readMs} ms, unreachable after ${Math.round(performance.now() - started)} ms\n`,
    );
  });

  test('bad input gets a 4xx in the one error shape and changes nothing', async () => {
    const countBefore = (await http('GET', '/api/devices')).body.devices.length;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/devices', { hostname: 'a;reboot' }, 400, 'validation_error'],
      ['POST', '/api/devices', { hostname: 'ok', port: 'twenty-two' }, 400, 'validation_error'],
      ['POST', '/api/devices', { hostname: 'ok', password: 'hunter2' }, 400, 'validation_error'],
      ['POST', '/api/devices', { hostname: 'dev-metrics' }, 409, 'conflict'],
      ['GET', '/api/devices/nope-missing', undefined, 404, 'not_found'],
      ['GET', '/api/devices/dev-metrics/teapots', undefined, 404, 'unknown_data_type'],
      ['GET', '/api/devices/dev-metrics/metrics?force_refresh=maybe', undefined, 400, 'validation_error'],
      ['GET', '/api/devices/$(id)/metrics', undefined, 400, 'validation_error'],
      ['PATCH', '/api/devices/dev-metrics', {}, 400, 'validation_error'],
      ['PATCH', '/api/devices/dev-metrics', { port: 0 }, 400, 'validation_error'],
      ['GET', '/api/audit?limit=100000', undefined, 400, 'validation_error'],
      ['POST', '/api/devices/import', { config: '' }, 400, 'validation_error'],
    ];
    for (const [method, route, body, status, code] of cases) {
      const res = await http(method, route, body);
      assert.equal(res.status, status, `${method} ${route}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, `${method} ${route}`);
      assert.equal(typeof res.body.error.message, 'string');
      assert.ok(res.body.error.correlation_id);
    }
    const malformed = await http('POST', '/api/devices', undefined, { rawBody: '{"hostname":' });
    assert.equal(malformed.status, 400);
    assert.equal((await http('GET', '/api/devices')).body.devices.length, countBefore);
  });

  test('device import from an ssh config: dry run changes nothing, then creates', async () => {
    const config = `Host *\n  User x\nHost imp-a\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.clientKeyPath}\nHost imp-b dev-metrics\n  HostName 127.0.0.2\n`;
    const dry = await http('POST', '/api/devices/import', { config, dry_run: true });
    assert.equal(dry.status, 200);
    assert.deepEqual(
      dry.body.would_create.map((d: { hostname: string }) => d.hostname),
      ['imp-a', 'imp-b'],
    );
    assert.deepEqual(dry.body.existing, ['dev-metrics']);
    assert.equal((await http('GET', '/api/devices/imp-a')).status, 404);
    const real = await http('POST', '/api/devices/import', { config, dry_run: false });
    assert.equal(real.status, 201);
    assert.deepEqual(
      real.body.created.map((d: { hostname: string }) => d.hostname),
      ['imp-a', 'imp-b'],
    );
    assert.equal((await http('GET', '/api/devices/imp-a')).body.port, sshd.port);
    assert.equal((await http('DELETE', '/api/devices/imp-b')).status, 204);
    assert.equal((await http('GET', '/api/devices/imp-b')).status, 404);
  });

  test('MCP tools through the SDK client over Streamable HTTP', async () => {
    const client = new McpClient({ name: 'foundation-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(sys.mcpUrl!)));
    try {
      // The full list of tools, resources and prompts is checked against README.md by mcp-surface.test.ts.
      const added = await client.callTool({
        name: 'add_device',
        arguments: {
          hostname: 'dev-mcp',
          address: '127.0.0.1',
          port: sshd.port,
          username: sshd.username,
          identity_file: sshd.clientKeyPath,
        },
      });
      assert.ok(!added.isError, JSON.stringify(added.content));
      const text = (r: Awaited<ReturnType<typeof client.callTool>>) =>
        JSON.parse((r.content as Array<{ text: string }>)[0]!.text);

      const metrics = text(await client.callTool({ name: 'get_metrics', arguments: { device: 'dev-mcp' } }));
      assert.equal(metrics.from_cache, false);
      assert.ok(metrics.data.memory.total_bytes > 0);
      const again = text(await client.callTool({ name: 'get_metrics', arguments: { device: 'dev-mcp' } }));
      assert.equal(again.from_cache, true);

      const list = text(await client.callTool({ name: 'list_devices', arguments: {} }));
      assert.ok(
        list.devices.some(
          (d: { hostname: string; status: string }) => d.hostname === 'dev-mcp' && d.status === 'online',
        ),
      );

      const health = text(await client.callTool({ name: 'infrastructure_health', arguments: {} }));
      assert.equal(health.status, 'ok');
      assert.equal(health.worker.status, 'ok');

      const bad = await client.callTool({ name: 'get_metrics', arguments: { device: 'no-such-device' } });
      assert.equal(bad.isError, true);
      assert.equal(text(bad).error.code, 'not_found');

      // The collection, the read that started it, and (after a flush) the cached read's count.
      const audit = await waitFor(
        'three audited MCP reads',
        async () =>
          (await http('GET', '/api/audit?device=dev-mcp&data_type=metrics')).body.entries as Array<{ trigger: string }>,
        { until: (rows) => rows.length >= 3 },
      );
      assert.ok(audit.length >= 3 && audit.every((e) => e.trigger === 'mcp'), JSON.stringify(audit));
    } finally {
      await client.close();
    }
  });

  test('health reports each part', async () => {
    const res = await http('GET', '/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    for (const part of ['temporal', 'database', 'worker']) assert.equal(res.body[part].status, 'ok', part);
    assert.ok(res.body.devices.total >= 1);
  });

  test('SSH connections are reused: many collections, one connection per device', async () => {
    const before = sys.worker!.pool.stats().connectsByDevice;
    const device = (await http('GET', '/api/devices/dev-metrics')).body;
    for (let i = 0; i < 5; i++)
      assert.equal((await http('GET', '/api/devices/dev-metrics/metrics?force_refresh=true')).status, 200);
    const afterStats = sys.worker!.pool.stats().connectsByDevice;
    assert.ok((afterStats[device.id] ?? 0) - (before[device.id] ?? 0) <= 1);
  });

  test('history: ?since= returns the stored series, oldest first, with the time-series columns', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await http('GET', '/api/devices/dev-metrics/metrics?force_refresh=true')).status, 200);
    const since = new Date(Date.now() - 3600_000).toISOString();
    const res = await http('GET', `/api/devices/dev-metrics/metrics?since=${encodeURIComponent(since)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.count >= 4);
    const times = res.body.series.map((p: { collected_at: string }) => Date.parse(p.collected_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    for (const point of res.body.series) {
      assert.equal(typeof point.load_1, 'number');
      assert.equal(typeof point.memory_used_percent, 'number');
      assert.equal(point.data, undefined);
    }
    const withData = await http(
      'GET',
      `/api/devices/dev-metrics/metrics?since=${encodeURIComponent(since)}&limit=2&include_data=true`,
    );
    assert.equal(withData.body.count, 2);
    assert.equal(withData.body.truncated, true);
    assert.ok(withData.body.series[0].data.memory.total_bytes > 0);
    assert.equal((await http('GET', '/api/devices/dev-metrics/metrics?since=yesterday')).status, 400);
    assert.equal(
      (await http('GET', `/api/devices/dev-metrics/metrics?since=${encodeURIComponent(since)}&force_refresh=true`))
        .status,
      400,
    );
    const future = new Date(Date.now() + 3600_000).toISOString();
    assert.equal(
      (
        await http(
          'GET',
          `/api/devices/dev-metrics/metrics?since=${encodeURIComponent(future)}&until=${encodeURIComponent(since)}`,
        )
      ).status,
      400,
    );
  });
});
