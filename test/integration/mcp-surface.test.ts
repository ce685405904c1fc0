import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { apiScope } from '../../api/security.ts';
import { collectors, DATA_TYPES } from '../../domain/collectors/registry.ts';
import { doorScopeOf, toolScopes } from '../../mcp/tool-scopes.ts';
import type { RunningSystem } from '../../app/system.ts';
import { README, renderMcpReference, withSection } from '../../scripts/readme-sections.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiRequest } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { ownerContext } from '../../services/device-service.ts';

type CallResult = Awaited<ReturnType<Client['callTool']>>;
const body = (r: CallResult) => JSON.parse((r.content as Array<{ text: string }>)[0]!.text);
/** The text of a resource's first content. */
const resourceText = (r: Awaited<ReturnType<Client['readResource']>>) => {
  const first = r.contents[0]!;
  assert.ok('text' in first, 'a text resource');
  return first.text;
};

/** What this branch added: each is exercised below and must declare an output schema. */
const NEW_TOOLS = [
  'get_device',
  'update_device',
  'remove_device',
  'import_ssh_config',
  'fleet_overview',
  'get_history',
  'query_audit',
  'list_events',
  'list_alerts',
  'list_alert_rules',
  'create_alert_rule',
  'set_alert_rule_enabled',
  'delete_alert_rule',
  'get_incident',
  'list_operations',
  'get_operation',
  'config_changes',
  'get_config_snapshot',
  'maintenance_status',
  'get_performance',
  'cache_stats',
];

/**
 * The HTTP route of the same action: both fronts must ask the same scope. Left out: confirm_operation
 * (HTTP asks `confirm` at the door; the tool judges the caller itself) and infrastructure_health (`/health` is open).
 */
const HTTP_TWINS: Record<string, [method: string, path: string]> = {
  list_devices: ['GET', '/api/devices'],
  get_metrics: ['GET', '/api/devices/x/metrics'],
  get_containers: ['GET', '/api/devices/x/containers'],
  list_all_containers: ['GET', '/api/containers'],
  run_command: ['POST', '/api/devices/x/exec'],
  manage_containers: ['POST', '/api/devices/x/containers/actions'],
  manage_guests: ['POST', '/api/devices/x/guests/101/start'],
  create_zfs_snapshot: ['POST', '/api/devices/x/zfs/snapshots'],
  get_logs: ['GET', '/api/devices/x/services/nginx.service/logs'],
  config_history: ['GET', '/api/devices/x/config/files'],
  config_watch: ['POST', '/api/devices/x/config/watch-paths'],
  config_diff: ['GET', '/api/config/diff'],
  rollback_config: ['POST', '/api/config/snapshots/x/rollback'],
  cancel_operation: ['POST', '/api/operations/x/cancel'],
  diagnose: ['GET', '/api/devices/x/diagnosis'],
  maintenance_mode: ['POST', '/api/devices/x/maintenance'],
  restart_service: ['POST', '/api/devices/x/compose/services/web/restart'],
  list_incidents: ['GET', '/api/incidents'],
  disk_replaced: ['POST', '/api/incidents/x/replaced'],
  list_proxy_confs: ['GET', '/api/devices/x/proxy-confs'],
  create_proxy_conf: ['POST', '/api/devices/x/proxy-confs'],
  remove_proxy_conf: ['DELETE', '/api/devices/x/proxy-confs/app.subdomain.conf'],
  list_stacks: ['GET', '/api/devices/x/stacks'],
  get_stack: ['GET', '/api/devices/x/stacks/web'],
  deploy_stack: ['POST', '/api/devices/x/stacks'],
  update_stack: ['PATCH', '/api/devices/x/stacks/web'],
  pull_stack: ['POST', '/api/devices/x/stacks/web/pull'],
  remove_stack: ['POST', '/api/devices/x/stacks/web/remove'],
  get_ports: ['GET', '/api/devices/x/ports'],
  get_docker_networks: ['GET', '/api/devices/x/docker_networks'],
  add_device: ['POST', '/api/devices'],
  get_device: ['GET', '/api/devices/x'],
  update_device: ['PATCH', '/api/devices/x'],
  remove_device: ['DELETE', '/api/devices/x'],
  import_ssh_config: ['POST', '/api/devices/import'],
  fleet_overview: ['GET', '/api/fleet'],
  get_history: ['GET', '/api/devices/x/metrics'],
  query_audit: ['GET', '/api/audit'],
  list_events: ['GET', '/api/events'],
  list_alerts: ['GET', '/api/alerts'],
  list_alert_rules: ['GET', '/api/alerts/rules'],
  create_alert_rule: ['POST', '/api/alerts/rules'],
  set_alert_rule_enabled: ['PATCH', '/api/alerts/rules/x'],
  delete_alert_rule: ['DELETE', '/api/alerts/rules/x'],
  get_incident: ['GET', '/api/incidents/x'],
  list_operations: ['GET', '/api/operations'],
  get_operation: ['GET', '/api/operations/x'],
  config_changes: ['GET', '/api/config/changes'],
  get_config_snapshot: ['GET', '/api/config/snapshots/x'],
  maintenance_status: ['GET', '/api/devices/x/maintenance'],
  get_performance: ['GET', '/api/performance'],
  cache_stats: ['GET', '/api/cache/stats'],
  list_zfs_snapshots: ['GET', '/api/devices/x/zfs/snapshots'],
  prune_zfs_snapshots: ['POST', '/api/devices/x/zfs/snapshots/prune'],
  clone_zfs_snapshot: ['POST', '/api/devices/x/zfs/clones'],
  get_zfs_properties: ['GET', '/api/devices/x/zfs/properties'],
  set_zfs_property: ['PATCH', '/api/devices/x/zfs/properties'],
  zfs_scrub: ['POST', '/api/devices/x/zfs/pools/tank/scrub'],
  get_zpool_events: ['GET', '/api/devices/x/zfs/events'],
  replicate_zfs: ['POST', '/api/zfs/replications'],
  get_zfs_replication: ['GET', '/api/zfs/replications/x'],
};

/** Audit actions a read may leave: the read itself, the collection it started, a diagnosis, a read-only command run. */
const READ_ACTIONS = new Set(['read', 'collect', 'diagnosis', 'operation_requested', 'operation_executed']);

describe('MCP surface: every tool, resource and prompt over a real session', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let client: Client;
  let configDir: string;
  const listChanged: number[] = [];
  const updated: string[] = [];
  const startedAt = new Date().toISOString();

  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    assert.ok(!r.isError, `${name}: ${JSON.stringify(r.content)}`);
    return r;
  };
  const configFile = () => path.join(configDir, 'app.conf');
  /** The first stored version of the watched file, once the watcher has captured it. */
  const storedVersion = () =>
    waitFor(
      'the first version of the watched file',
      () =>
        sys.db
          .selectFrom('config_snapshots')
          .select('id')
          .where('hostname', '=', 'surf')
          .where('path', '=', configFile())
          .executeTakeFirst(),
      { timeoutMs: 30_000 },
    );
  const device = (hostname: string) => ({
    hostname,
    address: '127.0.0.1',
    port: sshd.port,
    username: sshd.username,
    identity_file: sshd.clientKeyPath,
  });

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    configDir = testDir(uniqueName('conf'));
    mkdirSync(configDir, { recursive: true });
    chmodSync(configDir, 0o755);
    writeFileSync(path.join(configDir, 'app.conf'), 'listen 8080;\n', { mode: 0o644 });
    sys = await startTestSystem({ configWatchEnabled: true });
    client = new Client({ name: 'surface-test', version: '1.0.0' });
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void listChanged.push(Date.now()));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await client.connect(new StreamableHTTPClientTransport(new URL(sys.mcpUrl!)));
    await call('add_device', device('surf'));
    await call('config_watch', { device: 'surf', path: configDir });
  });
  after(async () => {
    await client?.close();
    // The device's config watcher is a long-running activity: end it before the worker stops.
    await sys?.devices.remove('surf', ownerContext('api')).catch(() => undefined);
    await sys?.client.workflow
      .getHandle(sys.watchers.workflowId('surf'))
      .result()
      .catch(() => undefined);
    await sys?.stop();
    await sshd?.stop();
  });

  test("the README's MCP reference is exactly what the server lists (tools with scopes, resources, templates, prompts)", async () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(
      withSection(readme, await renderMcpReference(client)),
      readme,
      'README.md is stale: run npx tsx scripts/readme-sections.ts',
    );
    const { tools } = await client.listTools();
    for (const name of NEW_TOOLS)
      assert.ok(tools.find((t) => t.name === name)?.outputSchema, `${name} is listed with an output schema`);
    // Every data tool declares its answer with the collector's payload; the client holds each call below to it.
    for (const dataType of DATA_TYPES) {
      const outputSchema = tools.find((t) => t.name === collectors[dataType].tool.name)?.outputSchema as
        { properties: { data_type: { const?: string }; data: { properties?: object } } } | undefined;
      assert.equal(
        outputSchema?.properties.data_type.const,
        dataType,
        `${dataType}: its tool's output schema names its data type`,
      );
      assert.ok(outputSchema.properties.data.properties, `${dataType}: its tool's output schema describes the payload`);
    }
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    for (const t of [
      'infra://devices/{hostname}/{data_type}',
      'zfs://{hostname}/pools',
      'ports://{hostname}',
      'docker://{hostname}/stacks',
      'logs://{hostname}/{unit}',
      'config://proxy-configs/{device}',
      'config://docker-compose/{device}',
    ]) {
      assert.ok(templates.includes(t), t);
    }
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    for (const p of [
      'health_check',
      'troubleshoot_device',
      'plan_disk_replacement',
      'review_config_changes',
      'capacity_review',
    ])
      assert.ok(prompts.includes(p), p);
  });

  test('each MCP tool asks the scope its HTTP route asks', async () => {
    const scopes = await toolScopes(sys);
    for (const [tool, [method, route]] of Object.entries(HTTP_TWINS)) {
      assert.ok(scopes.has(tool), `${tool} is an MCP tool`);
      assert.equal(scopes.get(tool), apiScope({ method, path: route }), `${tool} vs ${method} ${route}`);
    }
  });

  test('devices: import with a dry run changes nothing, then imports; edit; remove; list-changed notifications', async () => {
    const config = `Host surf-imp\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.clientKeyPath}\nHost surf\n  HostName 127.0.0.9\nHost *.wild\n  User x\n`;
    const count = async () => (await sys.db.selectFrom('devices').select('hostname').execute()).length;
    const before = await count();
    const dry = (await call('import_ssh_config', { config, dry_run: true })).structuredContent as {
      would_create: Array<{ hostname: string }>;
      existing: string[];
      created: unknown[];
    };
    assert.deepEqual(
      dry.would_create.map((d) => d.hostname),
      ['surf-imp'],
    );
    assert.deepEqual(dry.existing, ['surf']);
    assert.deepEqual(dry.created, []);
    assert.equal(await count(), before, 'a dry run registers nothing');

    const heard = listChanged.length;
    const real = (await call('import_ssh_config', { config, dry_run: false, defaults: { tags: ['imported'] } }))
      .structuredContent as { created: Array<{ hostname: string; tags: string[] }> };
    assert.deepEqual(
      real.created.map((d) => [d.hostname, d.tags]),
      [['surf-imp', ['imported']]],
    );
    await waitFor('resources/list_changed after the import', () => listChanged.length, { until: (n) => n > heard });

    const edited = (
      await call('update_device', {
        device: 'surf-imp',
        tags: ['lab', 'imported'],
        location: 'rack 2',
        monitoring_enabled: false,
      })
    ).structuredContent as { tags: string[]; monitoring_enabled: boolean };
    assert.deepEqual(edited.tags, ['lab', 'imported']);
    const got = (await call('get_device', { device: 'surf-imp' })).structuredContent as {
      location: string;
      monitoring_enabled: boolean;
    };
    assert.equal(got.location, 'rack 2');
    assert.equal(got.monitoring_enabled, false);
    const bad = await client.callTool({ name: 'update_device', arguments: { device: 'surf-imp', port: 70000 } });
    assert.equal(bad.isError, true);
    assert.equal(body(bad).error.code, 'validation_error');
    assert.equal(
      ((await call('get_device', { device: 'surf-imp' })).structuredContent as { port: number }).port,
      sshd.port,
      'a refused edit changes nothing',
    );

    const heardBeforeRemove = listChanged.length;
    assert.deepEqual((await call('remove_device', { device: 'surf-imp' })).structuredContent, { removed: 'surf-imp' });
    assert.equal(
      await sys.db.selectFrom('devices').select('id').where('hostname', '=', 'surf-imp').executeTakeFirst(),
      undefined,
    );
    const again = await client.callTool({ name: 'remove_device', arguments: { device: 'surf-imp' } });
    assert.equal(body(again).error.code, 'not_found');
    await waitFor('resources/list_changed after the removal', () => listChanged.length, {
      until: (n) => n > heardBeforeRemove,
    });
    const audit = (await call('query_audit', { action: 'device_delete' })).structuredContent as {
      entries: Array<{ hostname: string; trigger: string }>;
    };
    assert.ok(
      audit.entries.some((e) => e.hostname === 'surf-imp' && e.trigger === 'mcp'),
      'the removal is audited as asked over MCP',
    );
  });

  test('history, audit, events since a time, operations, fleet, performance and cache', async () => {
    await call('get_metrics', { device: 'surf', force_refresh: true });
    await call('get_metrics', { device: 'surf', force_refresh: true });
    const history = (await call('get_history', { device: 'surf', data_type: 'metrics', since: startedAt }))
      .structuredContent as { count: number; series: Array<{ collected_at: string }> };
    assert.ok(history.count >= 2, JSON.stringify(history));
    assert.ok(history.series[0]!.collected_at <= history.series.at(-1)!.collected_at, 'oldest first');
    const empty = (await call('get_history', { device: 'surf', data_type: 'metrics', until: startedAt }))
      .structuredContent as { count: number };
    assert.equal(empty.count, 0, 'nothing was collected in the day before the test began');
    const reversed = await client.callTool({
      name: 'get_history',
      arguments: { device: 'surf', data_type: 'metrics', since: new Date().toISOString(), until: startedAt },
    });
    assert.equal(body(reversed).error.code, 'validation_error');

    const events = (await call('list_events', { since: startedAt, device: 'surf', actions: ['collect'] }))
      .structuredContent as { events: Array<{ time: string; action: string }>; next_since: string };
    assert.ok(events.events.length >= 2 && events.events.every((e) => e.action === 'collect'));
    assert.ok(
      events.events.every((e, i, all) => i === 0 || all[i - 1]!.time <= e.time),
      'oldest first',
    );
    assert.equal(events.next_since, events.events.at(-1)!.time);
    const later = (await call('list_events', { since: new Date(Date.now() + 60_000).toISOString() }))
      .structuredContent as { events: unknown[]; next_since: null };
    assert.deepEqual(later, { events: [], next_since: null });
    const audit = (await call('query_audit', { device: 'surf', data_type: 'metrics', limit: 5 })).structuredContent as {
      entries: Array<{ hostname: string }>;
    };
    assert.ok(audit.entries.length > 0 && audit.entries.every((e) => e.hostname === 'surf'));

    const ran = body(await call('run_command', { device: 'surf', command: 'echo surface' }));
    const ops = (await call('list_operations', { device: 'surf' })).structuredContent as {
      operations: Array<{ operation_id: string }>;
    };
    assert.ok(ops.operations.some((o) => o.operation_id === ran.operation_id));
    const op = (await call('get_operation', { operation_id: ran.operation_id })).structuredContent as {
      state: string;
      result: { stdout: string };
    };
    assert.equal(op.state, 'completed');
    assert.equal(op.result.stdout, 'surface\n');

    const fleet = (await call('fleet_overview')).structuredContent as {
      devices: Array<{ device: { hostname: string }; metrics: { cpu_percent: number | null } | null }>;
    };
    assert.ok(fleet.devices.find((d) => d.device.hostname === 'surf')?.metrics, 'the stored metrics of surf');
    const perf = (await call('get_performance', { period: 'hour', device: 'surf' })).structuredContent as {
      periods: Array<{ service_name: string }>;
    };
    assert.ok(
      perf.periods.some((p) => p.service_name === 'mcp'),
      JSON.stringify(perf.periods),
    );
    const stats = (await call('cache_stats')).structuredContent as { data_types: Array<{ data_type: string }> };
    assert.ok(stats.data_types.some((t) => t.data_type === 'metrics'));
    const maintenance = (await call('maintenance_status', { device: 'surf' })).structuredContent;
    assert.deepEqual(maintenance, { device: 'surf', in_maintenance: false, maintenance: null });
  });

  test('alerts and alert rules; incidents', async () => {
    const rules = (await call('list_alert_rules')).structuredContent as { rules: Array<{ name: string }> };
    assert.ok(rules.rules.length > 0, 'the default rules');
    const created = (
      await call('create_alert_rule', {
        name: 'surface unreachable',
        source: 'device_status',
        match: { states: ['unreachable'] },
        for_seconds: 60,
      })
    ).structuredContent as { id: string; enabled: boolean };
    assert.equal(created.enabled, true);
    const mismatched = await client.callTool({
      name: 'create_alert_rule',
      arguments: { name: 'bad', source: 'device_status', match: { min_risk: 'HIGH' } },
    });
    assert.equal(body(mismatched).error.code, 'validation_error');
    const disabled = (await call('set_alert_rule_enabled', { rule_id: created.id, enabled: false }))
      .structuredContent as { enabled: boolean };
    assert.equal(disabled.enabled, false);
    assert.deepEqual((await call('delete_alert_rule', { rule_id: created.id })).structuredContent, {
      deleted: created.id,
    });
    assert.equal(
      await sys.db.selectFrom('alert_rules').select('id').where('id', '=', created.id).executeTakeFirst(),
      undefined,
    );
    const alerts = (await call('list_alerts', { state: 'firing' })).structuredContent as {
      alerts: Array<{ state: string }>;
    };
    assert.ok(alerts.alerts.every((a) => a.state === 'firing'));
    // No drive fails on the test device: an unknown incident is a not_found, as on HTTP.
    const incident = await client.callTool({
      name: 'get_incident',
      arguments: { incident_id: '00000000-0000-4000-8000-000000000000' },
    });
    assert.equal(body(incident).error.code, 'not_found');
  });

  test('config changes fleet-wide and one stored version', async () => {
    const stored = await storedVersion();
    const changes = (
      (await call('config_changes', { device: 'surf', since: startedAt })).structuredContent as {
        changes: Array<{ path: string; snapshot_id: string }>;
      }
    ).changes;
    const change = changes.find((x) => x.path === configFile());
    assert.equal(change?.snapshot_id, stored.id, JSON.stringify(changes));
    const version = (await call('get_config_snapshot', { snapshot_id: stored.id })).structuredContent as {
      path: string;
      content: string;
    };
    assert.equal(version.path, configFile());
    assert.equal(version.content, 'listen 8080;\n');
  });

  test('resources: templates read through the services, enumerate devices, complete hostnames, and notify subscribers', async () => {
    const devices = JSON.parse(resourceText(await client.readResource({ uri: 'infra://devices' })));
    assert.ok(devices.devices.some((d: { hostname: string }) => d.hostname === 'surf'));
    const listed = (await client.listResources()).resources.map((r) => r.uri);
    assert.ok(
      listed.includes('infra://devices/surf/metrics') && listed.includes('infra://devices/surf/containers'),
      JSON.stringify(listed),
    );

    const metrics = JSON.parse(resourceText(await client.readResource({ uri: 'infra://devices/surf/metrics' })));
    assert.equal(metrics.device, 'surf');
    assert.ok(metrics.data.memory.total_bytes > 0);
    await assert.rejects(client.readResource({ uri: 'infra://devices/surf/no_such_type' }), /data_type/);
    await assert.rejects(client.readResource({ uri: 'infra://devices/surf;reboot/metrics' }), /hostname/);

    const zfs = JSON.parse(resourceText(await client.readResource({ uri: 'zfs://surf/pools' })));
    assert.equal(zfs.device, 'surf');
    assert.equal(typeof zfs.zfs_available, 'boolean');
    assert.ok(Array.isArray(zfs.pools));

    const ports = JSON.parse(resourceText(await client.readResource({ uri: 'ports://surf' })));
    assert.equal(ports.data_type, 'ports');
    assert.ok(
      ports.data.ports.some((p: { port: number }) => p.port === sshd.port),
      'the test sshd is among the listening sockets',
    );
    const stacks = JSON.parse(resourceText(await client.readResource({ uri: 'docker://surf/stacks' })));
    assert.equal(stacks.device, 'surf');
    assert.ok(Array.isArray(stacks.stacks));
    await assert.rejects(client.readResource({ uri: 'ports://surf;reboot' }), /hostname/);

    const journal = await client.readResource({ uri: 'logs://surf/ssh.service' });
    assert.equal(journal.contents[0]!.mimeType, 'text/plain');
    assert.match(resourceText(journal), /No entries|ssh/, 'the journal as journalctl prints it');
    await assert.rejects(client.readResource({ uri: `logs://surf/${encodeURIComponent('x;reboot')}` }), /unit/);

    const completed = await client.complete({
      ref: { type: 'ref/resource', uri: 'infra://devices/{hostname}/{data_type}' },
      argument: { name: 'hostname', value: 'su' },
    });
    assert.ok(completed.completion.values.includes('surf'));

    await client.subscribeResource({ uri: 'infra://devices/surf/metrics' });
    const heard = updated.length;
    await call('get_metrics', { device: 'surf', force_refresh: true });
    await waitFor('resources/updated for the subscribed URI', () => updated.slice(heard), {
      until: (u) => u.includes('infra://devices/surf/metrics'),
    });
    assert.ok(!updated.includes('infra://devices/surf/containers'), 'nothing for URIs not subscribed to');
    await client.unsubscribeResource({ uri: 'infra://devices/surf/metrics' });
  });

  test('prompts take their arguments and refuse bad ones', async () => {
    const plan = await client.getPrompt({ name: 'plan_disk_replacement', arguments: { device: 'surf', disk: 'sdc' } });
    assert.match((plan.messages[0]!.content as { text: string }).text, /surf for sdc/);
    const review = await client.getPrompt({ name: 'review_config_changes', arguments: { since: '7d' } });
    assert.match((review.messages[0]!.content as { text: string }).text, /last 7d on every device/);
    const capacity = await client.getPrompt({
      name: 'capacity_review',
      arguments: { device: 'surf', horizon_days: '30' },
    });
    assert.match((capacity.messages[0]!.content as { text: string }).text, /of surf for the next 30 days/);
    await assert.rejects(client.getPrompt({ name: 'capacity_review', arguments: { horizon_days: 'soon' } }), /days/);
    await assert.rejects(
      client.getPrompt({ name: 'plan_disk_replacement', arguments: { device: 'surf; reboot' } }),
      /hostname/,
    );
  });

  test('every read-only tool, called with valid input, changes nothing managed and answers what its output schema says', async () => {
    const op = body(await call('run_command', { device: 'surf', command: 'echo before-the-check' })) as {
      operation_id: string;
    };
    const snapshot = await storedVersion();
    /** Arguments for tools that need more than a device; a read-only tool needing other arguments must be added here. */
    const validArgs: Record<string, Record<string, unknown>> = {
      get_logs: { device: 'surf', container: 'nginx', tail: 5 },
      get_history: { device: 'surf', data_type: 'metrics' },
      get_operation: { operation_id: op.operation_id },
      get_incident: { incident_id: '00000000-0000-4000-8000-000000000000' },
      get_config_snapshot: { snapshot_id: snapshot.id },
      config_diff: { from: snapshot.id, to: snapshot.id },
      list_events: { since: startedAt },
      diagnose: { device: 'surf', focus: 'containers' },
      get_stack: { device: 'surf', name: 'web' },
      get_zfs_properties: { device: 'surf', dataset: 'tank' },
      get_zfs_replication: { replication_id: '00000000-0000-4000-8000-000000000000' },
    };
    /** What the test device lacks (no incident, no reverse proxy): these answer a refusal, still without changing anything. */
    const refusals: Record<string, string> = {
      get_incident: 'not_found',
      list_proxy_confs: 'proxy_not_found',
      // No zfs or zpool on the test device (the ZFS tools are exercised in zfs-replication.test.ts).
      list_zfs_snapshots: 'zfs_unavailable',
      get_zfs_properties: 'zfs_unavailable',
      get_zpool_events: 'zfs_unavailable',
      get_zfs_replication: 'not_found',
    };
    const argsFor = (tool: Tool): Record<string, unknown> => {
      if (validArgs[tool.name]) return validArgs[tool.name]!;
      const required = tool.inputSchema.required ?? [];
      assert.ok(
        required.every((r) => r === 'device'),
        `no valid arguments known for read-only tool ${tool.name}: add them to validArgs`,
      );
      return 'device' in (tool.inputSchema.properties ?? {}) ? { device: 'surf' } : {};
    };
    const managedState = async () => ({
      devices: await sys.db
        .selectFrom('devices')
        .select([
          'hostname',
          'address',
          'port',
          'username',
          'auth_method',
          'identity_file',
          'device_type',
          'tags',
          'location',
          'description',
          'monitoring_enabled',
          'maintenance',
          'host_key_fingerprint',
        ])
        .orderBy('hostname')
        .execute(),
      rules: await sys.db.selectFrom('alert_rules').selectAll().orderBy('id').execute(),
      channels: await sys.db.selectFrom('alert_channels').selectAll().orderBy('id').execute(),
      tokens: await sys.db.selectFrom('api_tokens').selectAll().orderBy('id').execute(),
      watched: await sys.db
        .selectFrom('config_watch_paths')
        .select(['device_id', 'path', 'enabled'])
        .where('source', '=', 'user')
        .orderBy('path')
        .execute(),
      incidents: await sys.db.selectFrom('incidents').select(['id', 'state']).orderBy('id').execute(),
    });

    const readOnly = (await client.listTools()).tools.filter((t) => t.annotations?.readOnlyHint);
    assert.ok(readOnly.length >= 25, `${readOnly.length} read-only tools`);
    for (const tool of readOnly) {
      assert.equal(doorScopeOf(tool), 'read', `${tool.name} is read-only: a read token may call it`);
      const stateBefore = await managedState();
      const since = new Date();
      const result = await client.callTool({ name: tool.name, arguments: argsFor(tool) });
      if (tool.outputSchema && !result.isError)
        assert.ok(result.structuredContent, `${tool.name} answers structured content`);
      if (refusals[tool.name])
        assert.equal(body(result).error?.code, refusals[tool.name], `${tool.name}: ${JSON.stringify(result.content)}`);
      else assert.ok(!result.isError, `${tool.name}: ${JSON.stringify(result.content)}`);

      assert.deepEqual(await managedState(), stateBefore, `${tool.name} is read-only but changed what is managed`);
      const rows = await sys.db
        .selectFrom('audit_log')
        .select(['action', 'details'])
        .where('time', '>=', since)
        .execute();
      const writes = rows.filter((r) => !READ_ACTIONS.has(r.action));
      assert.deepEqual(writes, [], `${tool.name} is read-only but wrote ${writes.map((w) => w.action).join(', ')}`);
      const ran = await sys.db.selectFrom('operations').selectAll().where('created_at', '>=', since).execute();
      for (const o of ran) {
        assert.equal(o.state, 'completed', `${tool.name} ran ${o.command} (${o.state})`);
        assert.equal(
          (o.assessment as { destructive: boolean } | null)?.destructive,
          false,
          `${tool.name} ran a destructive command: ${o.command}`,
        );
      }
    }
  });

  test('with tokens: the device tools need admin, an operate token is refused before anything changes', async () => {
    const admin = (await apiRequest(sys.apiUrl!, 'POST', '/api/tokens', { name: 'surface-admin', scopes: ['admin'] }))
      .body.token as string;
    const operator = (
      await apiRequest(
        sys.apiUrl!,
        'POST',
        '/api/tokens',
        { name: 'surface-agent', scopes: ['operate'] },
        { token: admin },
      )
    ).body.token as string;
    const agent = new Client({ name: 'surface-agent', version: '1' });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
        requestInit: { headers: { authorization: `Bearer ${operator}` } },
      }),
    );
    try {
      for (const [name, args] of [
        ['remove_device', { device: 'surf' }],
        ['update_device', { device: 'surf', location: 'elsewhere' }],
        ['import_ssh_config', { config: 'Host x\n', dry_run: true }],
        ['delete_alert_rule', { rule_id: '00000000-0000-4000-8000-000000000000' }],
      ] as const) {
        await assert.rejects(agent.callTool({ name, arguments: args }), /403|insufficient_scope/, name);
      }
      assert.ok(
        await sys.db.selectFrom('devices').select('id').where('hostname', '=', 'surf').executeTakeFirst(),
        'surf is still managed',
      );
      const read = await agent.callTool({ name: 'get_device', arguments: { device: 'surf' } });
      assert.equal((read.structuredContent as { location: string | null }).location, null);
    } finally {
      await agent.close();
    }
  });
});
