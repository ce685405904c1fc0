import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { DiskIoData } from '../../domain/collectors/disk-io.ts';
import type { GpuData } from '../../domain/collectors/gpu.ts';
import type { ProcessesData } from '../../domain/collectors/processes.ts';
import type { SensorsData } from '../../domain/collectors/sensors.ts';
import { ownerContext } from '../../services/device-service.ts';
import type { RunningSystem } from '../../app/system.ts';
import { fixtureToolScript, fixtureUrl } from '../support/collector-fixtures.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiRequest } from '../support/http.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * The processes, disk_io, sensors and gpu types collected over SSH from the test sshd, which runs its
 * commands on this machine: its real ps, /proc/diskstats and sysfs. The fleet-wide container list is
 * read from what two devices' container collections stored.
 */
describe('host detail types and the fleet-wide container list: real sshd, PostgreSQL, Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;

  const http = (route: string) => apiRequest(api, 'GET', route);
  const read = async <T>(hostname: string, dataType: string) =>
    (await sys.collection.read(hostname, dataType, { forceRefresh: true }, ownerContext('api'))).data as T;
  const capabilitiesOf = async (hostname: string) =>
    (
      await sys.db
        .selectFrom('devices')
        .select('capabilities')
        .where('hostname', '=', hostname)
        .executeTakeFirstOrThrow()
    ).capabilities;
  const addDevice = (hostname: string) =>
    sys.devices.create(
      {
        hostname,
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

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem();
    api = sys.apiUrl!;
    await addDevice('detail-a');
    await addDevice('detail-b');
    await addDevice('detail-never');
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('processes: the top lists of this machine, stored with their columns', async () => {
    const data = await read<ProcessesData>('detail-a', 'processes');
    assert.equal(data.available, true);
    assert.ok(data.top_memory.length > 0 && data.top_cpu.length > 0);
    // The collection's own shell runs as the SSH user while ps lists it.
    assert.ok([...data.top_cpu, ...data.top_memory].every((p) => p.pid > 0 && p.command !== ''));
    const row = await sys.db
      .selectFrom('processes_snapshots')
      .selectAll()
      .orderBy('collected_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(row.top_rss_name, data.top_memory[0]?.name);
    assert.equal(Number(row.top_rss_bytes), data.top_memory[0]?.rss_bytes);
  });

  test('disk_io: every whole disk of this machine with rates from two samples a second apart', async () => {
    const data = await read<DiskIoData>('detail-a', 'disk_io');
    assert.ok(data.sample_window_seconds >= 0.9, `window ${data.sample_window_seconds}`);
    const whole = readFileSync('/proc/diskstats', 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[2] ?? '')
      .filter((name) => existsSync(`/sys/block/${name}`) && !/^(loop|ram|zram|fd|sr)\d+$/.test(name));
    assert.deepEqual(data.devices.map((d) => d.device).sort(), whole.sort());
    assert.ok(data.devices.every((d) => d.utilization_percent >= 0 && d.utilization_percent <= 100 && d.iops >= 0));
    const row = await sys.db
      .selectFrom('disk_io_snapshots')
      .selectAll()
      .orderBy('collected_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(
      row.max_utilization_percent,
      data.devices.length > 0 ? Math.max(...data.devices.map((d) => d.utilization_percent)) : null,
    );
  });

  test('sensors: without lm-sensors the hwmon and thermal-zone fallback answers (here: nothing, with its reason)', async () => {
    const data = await read<SensorsData>('detail-a', 'sensors');
    const hwmon = existsSync('/sys/class/hwmon');
    const zones = existsSync('/sys/class/thermal/thermal_zone0');
    if (!hwmon && !zones) {
      assert.deepEqual(data, {
        source: null,
        temperatures: [],
        fans: [],
        reason: 'no temperature or fan sensors exposed (typical of a VM or container)',
      });
    } else {
      assert.notEqual(data.source, 'lm-sensors');
    }
  });

  test('gpu: detected absent, so not polled; an nvidia-smi on the PATH turns it on and is read', async () => {
    await read('detail-a', 'capabilities');
    assert.equal((await capabilitiesOf('detail-a')).gpu, false);
    const none = await read<GpuData>('detail-a', 'gpu');
    assert.deepEqual([none.available, none.gpus], [false, []]);

    sshd.standIn(
      'nvidia-smi',
      fixtureToolScript({
        name: 'nvidia-smi',
        fixturePath: fileURLToPath(fixtureUrl('gpu', 'nvidia-l40s-fedora44-cloud.txt')),
        cases: ['--query-gpu=*) section=nvidia ;;'],
        logTo: '"$INFRA_TEST_EXEC_LOG"',
      }),
    );
    try {
      await read('detail-a', 'capabilities');
      assert.equal((await capabilitiesOf('detail-a')).gpu, true);
      const found = await read<GpuData>('detail-a', 'gpu');
      assert.deepEqual(
        found.gpus.map((g) => [g.vendor, g.name, g.utilization_percent]),
        [['nvidia', 'NVIDIA L40S', 9]],
      );
    } finally {
      rmSync(path.join(sshd.binDir, 'nvidia-smi'));
    }
  });

  test('GET /api/containers: the stored containers of every device, filtered and paged, never collecting', async () => {
    await read('detail-a', 'containers');
    await read('detail-b', 'containers');
    const collectsBefore = await sys.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'collect')
      .executeTakeFirstOrThrow();

    const all = await http('/api/containers');
    assert.equal(all.status, 200);
    const containers = all.body.containers as Array<{
      device: string;
      name: string;
      state: string;
      collected_at: string;
    }>;
    assert.equal(all.body.total, 8);
    assert.deepEqual(
      containers.map((c) => `${c.device}/${c.name}`),
      [
        'detail-a/grafana',
        'detail-a/nextcloud-db',
        'detail-a/nginx',
        'detail-a/old-backup',
        'detail-b/grafana',
        'detail-b/nextcloud-db',
        'detail-b/nginx',
        'detail-b/old-backup',
      ],
    );
    const sources = all.body.sources as Array<{
      device: string;
      collected_at: string | null;
      docker_available: boolean | null;
    }>;
    assert.deepEqual(
      sources.map((s) => [s.device, s.docker_available]),
      [
        ['detail-a', true],
        ['detail-b', true],
        ['detail-never', null],
      ],
    );
    assert.equal(sources[2]?.collected_at, null);

    const exited = await http('/api/containers?state=exited');
    assert.deepEqual(
      (exited.body.containers as Array<{ device: string; name: string }>).map((c) => `${c.device}/${c.name}`),
      ['detail-a/old-backup', 'detail-b/old-backup'],
    );
    const byName = await http('/api/containers?device=detail-b&name=NEXT');
    assert.deepEqual(
      (byName.body.containers as Array<{ device: string; name: string }>).map((c) => `${c.device}/${c.name}`),
      ['detail-b/nextcloud-db'],
    );
    const page = await http('/api/containers?limit=3&offset=3');
    assert.deepEqual([page.body.total, page.body.limit, page.body.offset], [8, 3, 3]);
    assert.deepEqual(
      (page.body.containers as Array<{ device: string; name: string }>).map((c) => `${c.device}/${c.name}`),
      ['detail-a/old-backup', 'detail-b/grafana', 'detail-b/nextcloud-db'],
    );

    assert.equal((await http('/api/containers?device=nowhere')).status, 404);
    for (const bad of [
      'state=sleeping',
      'limit=0',
      'limit=100000',
      'offset=-1',
      'name=%3Bls',
      'device=..%2Fetc',
      'colour=red',
    ]) {
      const res = await http(`/api/containers?${bad}`);
      assert.equal(res.status, 400, `${bad}: ${JSON.stringify(res.body)}`);
    }
    const collectsAfter = await sys.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'collect')
      .executeTakeFirstOrThrow();
    assert.equal(collectsAfter.n, collectsBefore.n, 'the list reads the cache only');
  });

  test('MCP list_all_containers: read-only, the same answer as structuredContent, bad filters a tool error', async () => {
    const client = new McpClient({ name: 'host-detail-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(sys.mcpUrl!)));
    try {
      const tool = (await client.listTools()).tools.find((t) => t.name === 'list_all_containers');
      assert.equal(tool?.annotations?.readOnlyHint, true);
      assert.ok(tool?.outputSchema, 'declares its output schema');
      const result = await client.callTool({
        name: 'list_all_containers',
        arguments: { state: 'running', name: 'nginx' },
      });
      assert.equal(result.isError, undefined);
      const structured = result.structuredContent as {
        containers: Array<{ device: string; name: string }>;
        total: number;
      };
      assert.deepEqual(
        structured.containers.map((c) => `${c.device}/${c.name}`),
        ['detail-a/nginx', 'detail-b/nginx'],
      );
      const fromHttp = await http('/api/containers?state=running&name=nginx');
      assert.deepEqual(structured, fromHttp.body);
      const bad = await client.callTool({ name: 'list_all_containers', arguments: { device: 'nowhere' } });
      assert.equal(bad.isError, true);
      assert.match(JSON.stringify(bad.content), /device_not_found/);
    } finally {
      await client.close();
    }
  });
});
