import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningSystem } from '../../app/system.ts';
import { LOCAL_OWNER } from '../../schema/api-token.ts';
import { apiRequest } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { deterministicPayload, installZfsStandIn, type ZfsStandIn } from '../support/zfs-stand-in.ts';

const MIB = 1024 * 1024;

/**
 * Issue 22: ZFS replication between two real sshd devices whose `zfs` stand-ins stream real bytes, one
 * of which drops its SSH connection mid-stream; a prune held until a person confirms; invalid names
 * refused with nothing run on either device. Real tokens, PostgreSQL and Temporal.
 */
describe('ZFS operations and replication between two devices', () => {
  let source: TestSshd;
  let target: TestSshd;
  let sourceZfs: ZfsStandIn;
  let targetZfs: ZfsStandIn;
  let sys: RunningSystem;
  let admin: string;
  let agent: { token: string; id: string };
  let person: { token: string; id: string };

  const call = (method: string, route: string, token: string, body?: unknown) =>
    apiRequest(sys.apiUrl!, method, route, body, { token });
  const createToken = async (name: string, scopes: string[]) => {
    const created = await call('POST', '/api/tokens', admin, { name, scopes });
    assert.equal(created.status, 201, created.text);
    return { token: created.body.token as string, id: `token:${created.body.id as string}` };
  };
  /** Polls the replication until it is no longer running (each look asks the workflow). */
  const settled = (id: string) =>
    waitFor(
      `replication ${id} to settle`,
      async () => {
        const got = await call('GET', `/api/zfs/replications/${id}`, agent.token);
        assert.equal(got.status, 200, got.text);
        return got.body.replication;
      },
      {
        until: (replication) => !['planning', 'transferring', 'awaiting_confirmation'].includes(replication.phase),
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );

  before(async () => {
    source = await startTestSshd(testDir(uniqueName('sshd-src')));
    target = await startTestSshd(testDir(uniqueName('sshd-dst')));
    sourceZfs = installZfsStandIn(source);
    targetZfs = installZfsStandIn(target);
    sys = await startTestSystem({ requireDistinctConfirmer: true, confirmationTimeoutSeconds: 120 });
    admin = (
      await sys.tokens.create({ name: 'owner', scopes: ['admin', 'confirm'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    agent = await createToken('backup-agent', ['read', 'operate']);
    person = await createToken('alice', ['read', 'confirm']);
    for (const [hostname, sshd] of [
      ['nas-src', source],
      ['nas-dst', target],
    ] as const) {
      const device = {
        hostname,
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
        monitoring_enabled: false,
      };
      assert.equal((await call('POST', '/api/devices', admin, device)).status, 201);
    }
  });
  after(async () => {
    await sys?.stop();
    await source?.stop();
    await target?.stop();
  });

  test('a full send, then an incremental one whose connection drops mid-stream resumes from the token', async () => {
    const base = deterministicPayload('base', 3 * MIB);
    sourceZfs.addSnapshot('tank/data', 'base', base, new Date('2026-11-01T00:00:00Z'));
    const request = {
      source_device: 'nas-src',
      source_dataset: 'tank/data',
      target_device: 'nas-dst',
      target_dataset: 'backup/data',
    };

    const full = await call('POST', '/api/zfs/replications', agent.token, request);
    assert.ok([200, 202].includes(full.status), full.text);
    assert.equal(full.body.replication.plan.mode, 'full');
    const first = await settled(full.body.replication.replication_id);
    assert.equal(first.phase, 'completed', JSON.stringify(first));
    assert.deepEqual(targetZfs.snapshots('backup/data'), ['backup/data@base']);
    assert.ok(targetZfs.snapshotBytes('backup/data', 'base')!.equals(base));
    assert.deepEqual(sourceZfs.sent(), [{ kind: 'full', offset: 0, bytes: base.length }]);

    const daily = deterministicPayload('daily-2', 6 * MIB);
    sourceZfs.addSnapshot('tank/data', 'daily-2', daily, new Date('2026-11-02T00:00:00Z'));
    const dropAt = 2 * MIB + 12_345;
    sourceZfs.dropNextSendAfter(dropAt);
    const incremental = await call('POST', '/api/zfs/replications', agent.token, request);
    assert.ok([200, 202].includes(incremental.status), incremental.text);
    assert.equal(incremental.body.replication.plan.mode, 'incremental');
    assert.equal(incremental.body.replication.plan.from, 'tank/data@base');
    const second = await settled(incremental.body.replication.replication_id);
    assert.equal(second.phase, 'completed', JSON.stringify(second));

    // The source side: the first send stopped at the drop; the second began at the target's offset, not at zero.
    const [, cut, resumed, ...more] = sourceZfs.sent();
    assert.deepEqual(more, []);
    assert.deepEqual(
      { kind: cut!.kind, offset: cut!.offset, bytes: cut!.bytes },
      { kind: 'incremental', offset: 0, bytes: dropAt },
    );
    assert.equal(resumed!.kind, 'resume');
    assert.ok(resumed!.offset > 0 && resumed!.offset <= dropAt, `resumed at ${resumed!.offset}`);
    assert.equal(resumed!.offset + resumed!.bytes, daily.length, 'the resumed send wrote exactly the rest');
    assert.equal(second.result.resumed, true);
    assert.equal(second.result.attempts, 2);
    assert.equal(second.result.received_snapshot, 'backup/data@daily-2');

    // The target: the snapshot once, its bytes identical, no interrupted receive left.
    assert.deepEqual(targetZfs.snapshots('backup/data'), ['backup/data@base', 'backup/data@daily-2']);
    assert.ok(targetZfs.snapshotBytes('backup/data', 'daily-2')!.equals(daily), 'received bytes are identical');
    assert.equal(targetZfs.partial('backup/data'), null);
    const listed = await call('GET', '/api/devices/nas-dst/zfs/snapshots?dataset=backup/data', agent.token);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.snapshots.map((s: { name: string }) => s.name),
      ['backup/data@daily-2', 'backup/data@base'],
    );
    assert.equal(listed.body.snapshots[0].referenced_bytes, daily.length);

    // Nothing more to send: up to date, and audited with the principal that asked.
    const again = await call('POST', '/api/zfs/replications', agent.token, request);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.replication.phase, 'up_to_date');
    const audit = await call('GET', '/api/audit?action=zfs_replication_finished&limit=10', admin);
    const rows = audit.body.entries;
    assert.equal(rows.length, 3);
    assert.ok(rows.every((row: { principal: string }) => row.principal === agent.id));
  });

  test('a target with snapshots of its own is refused; forced, the rollback is held until a person confirms, then it receives', async () => {
    targetZfs.addSnapshot(
      'backup/data',
      'local-extra',
      deterministicPayload('extra', 4096),
      new Date('2026-11-02T12:00:00Z'),
    );
    const daily3 = deterministicPayload('daily-3', MIB);
    sourceZfs.addSnapshot('tank/data', 'daily-3', daily3, new Date('2026-11-03T00:00:00Z'));
    const request = {
      source_device: 'nas-src',
      source_dataset: 'tank/data',
      target_device: 'nas-dst',
      target_dataset: 'backup/data',
    };
    const sentBefore = sourceZfs.sent().length;

    const refused = await call('POST', '/api/zfs/replications', agent.token, request);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'target_diverged');
    assert.match(refused.body.error.message, /backup\/data@local-extra/);
    assert.equal(sourceZfs.sent().length, sentBefore, 'nothing sent');

    const held = await call('POST', '/api/zfs/replications', agent.token, { ...request, force: true });
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.equal(held.body.command, "zfs rollback -r 'backup/data@daily-2'");
    assert.equal(held.body.replication.phase, 'awaiting_confirmation');
    assert.equal(target.countCalls(/^zfs rollback/), 0);
    const id = held.body.operation_id as string;
    const phrase = (await call('GET', `/api/operations/${id}`, person.token)).body.confirmation_phrase as string;
    assert.equal((await call('POST', `/api/operations/${id}/confirm`, person.token, { phrase })).status, 200);

    const done = await settled(held.body.replication.replication_id);
    assert.equal(done.phase, 'completed', JSON.stringify(done));
    assert.deepEqual(targetZfs.snapshots('backup/data'), [
      'backup/data@base',
      'backup/data@daily-2',
      'backup/data@daily-3',
    ]);
    assert.ok(targetZfs.snapshotBytes('backup/data', 'daily-3')!.equals(daily3));
    assert.equal(
      target.countCalls(/^zfs receive -s -F backup\/data$/),
      1,
      'received with -F once the person allowed it',
    );
  });

  test('a prune is held until a person confirms; the hold lists what it destroys', async () => {
    for (const day of [3, 4, 5, 6, 7]) {
      sourceZfs.addSnapshot(
        'tank/vm',
        `autosnap_2026-11-0${day}_daily`,
        deterministicPayload(`vm-${day}`, 4096),
        new Date(`2026-11-0${day}T00:00:00Z`),
      );
    }
    sourceZfs.addSnapshot(
      'tank/vm',
      'before-upgrade',
      deterministicPayload('manual', 4096),
      new Date('2026-10-01T00:00:00Z'),
    );
    const prune = { dataset: 'tank/vm', keep_last: 2, name_pattern: 'autosnap_*' };
    const held = await call('POST', '/api/devices/nas-src/zfs/snapshots/prune', agent.token, prune);
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    const doomed = [
      'tank/vm@autosnap_2026-11-03_daily',
      'tank/vm@autosnap_2026-11-04_daily',
      'tank/vm@autosnap_2026-11-05_daily',
    ];
    assert.deepEqual(held.body.plan.destroy.map((s: { name: string }) => s.name).sort(), doomed);
    assert.deepEqual(held.body.impact_details.affected_items.map((i: { name: string }) => i.name).sort(), doomed);
    assert.equal(held.body.plan.ignored[0].name, 'tank/vm@before-upgrade');
    assert.equal(source.countCalls(/^zfs destroy/), 0, 'nothing destroyed while held');

    const id = held.body.operation_id as string;
    assert.equal(
      (await call('POST', `/api/operations/${id}/confirm`, agent.token, { phrase: 'anything' })).status,
      403,
    );
    const phrase = (await call('GET', `/api/operations/${id}`, person.token)).body.confirmation_phrase as string;
    assert.match(phrase, /DESTROY/);
    const released = await call('POST', `/api/operations/${id}/confirm`, person.token, { phrase });
    assert.equal(released.status, 200, released.text);
    assert.equal(source.countCalls(/^zfs destroy/), 1);
    assert.deepEqual(sourceZfs.snapshots('tank/vm').sort(), [
      'tank/vm@autosnap_2026-11-06_daily',
      'tank/vm@autosnap_2026-11-07_daily',
      'tank/vm@before-upgrade',
    ]);
  });

  test('setting a risky property is held; invalid names and properties are refused with nothing run on either device', async () => {
    const readonly = await call('PATCH', '/api/devices/nas-dst/zfs/properties', agent.token, {
      dataset: 'backup/data',
      property: 'readonly',
      value: 'on',
    });
    assert.equal(readonly.status, 409, readonly.text);
    assert.match(readonly.body.risk_assessment.reasons.join(' '), /readonly/);
    assert.equal((await call('POST', `/api/operations/${readonly.body.operation_id}/cancel`, agent.token)).status, 200);

    const before = [source.countCalls(/./), target.countCalls(/./)];
    const refusals = [
      await call('POST', '/api/devices/nas-src/zfs/snapshots/prune', agent.token, {
        dataset: 'tank/../etc',
        keep_last: 1,
      }),
      await call('POST', '/api/devices/nas-src/zfs/snapshots/prune', agent.token, { dataset: 'tank/vm', keep_last: 0 }),
      await call('PATCH', '/api/devices/nas-dst/zfs/properties', agent.token, {
        dataset: 'backup/data',
        property: 'readonly;reboot',
        value: 'on',
      }),
      await call('PATCH', '/api/devices/nas-dst/zfs/properties', agent.token, {
        dataset: 'backup/data',
        property: 'compresion',
        value: 'lz4',
      }),
      await call('PATCH', '/api/devices/nas-dst/zfs/properties', agent.token, {
        dataset: 'backup/data',
        property: 'compression',
        value: 'lz4 -r',
      }),
      await call(
        'GET',
        `/api/devices/nas-dst/zfs/properties?dataset=${encodeURIComponent('backup/data$(reboot)')}`,
        agent.token,
      ),
      await call('POST', '/api/devices/nas-src/zfs/clones', agent.token, {
        snapshot: 'tank/data@base',
        target: '-o mountpoint=/',
      }),
      await call('POST', '/api/devices/nas-src/zfs/pools/tank%3Breboot/scrub', agent.token, { action: 'start' }),
      await call('POST', '/api/zfs/replications', agent.token, {
        source_device: 'nas-src',
        source_dataset: 'tank/data',
        target_device: 'nas-dst',
        target_dataset: 'backup/data -F',
      }),
    ];
    for (const refusal of refusals) {
      assert.equal(refusal.status, 400, refusal.text);
      assert.equal(refusal.body.error.code, 'validation_error', refusal.text);
    }
    assert.deepEqual([source.countCalls(/./), target.countCalls(/./)], before, 'nothing ran on either device');
  });

  test('zpool events are read newest first and limited; a scrub starts and stops; an unknown pool is a 404', async () => {
    const events = await call('GET', '/api/devices/nas-src/zfs/events?limit=2', agent.token);
    assert.equal(events.status, 200, events.text);
    assert.deepEqual(
      events.body.events.map((e: { class: string; eid: number; pool: string }) => [e.class, e.eid, e.pool]),
      [
        ['ereport.fs.zfs.io', 0x10, 'zroot'],
        ['sysevent.fs.zfs.history_event', 0x23f, 'rtest'],
      ],
    );
    assert.equal(events.body.events[0].vdev_path, '/dev/disk/by-id/ata-ST10000NM0568-2H5110_ZHZ54DBW-part1');
    const started = await call('POST', '/api/devices/nas-src/zfs/pools/tank/scrub', agent.token, { action: 'start' });
    assert.equal(started.status, 200, started.text);
    assert.equal(started.body.exit_code, 0);
    const stopped = await call('POST', '/api/devices/nas-src/zfs/pools/tank/scrub', agent.token, { action: 'stop' });
    assert.equal(stopped.status, 200, stopped.text);
    assert.equal(source.countCalls(/^zpool scrub tank$/), 1);
    assert.equal(source.countCalls(/^zpool scrub -s tank$/), 1);
    const unknown = await call('GET', '/api/devices/nas-src/zfs/snapshots?dataset=tank/nothing', agent.token);
    assert.equal(unknown.status, 404, unknown.text);
  });

  test('over MCP: read tools are read-only and answer structured content; changes are not read-only and are held like over HTTP', async () => {
    const client = new McpClient({ name: 'backup-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
        requestInit: { headers: { authorization: `Bearer ${agent.token}` } },
      }),
    );
    try {
      const tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
      for (const name of ['list_zfs_snapshots', 'get_zfs_properties', 'get_zpool_events', 'get_zfs_replication']) {
        assert.equal(tools.get(name)?.annotations?.readOnlyHint, true, name);
        assert.ok(tools.get(name)?.outputSchema, name);
      }
      for (const name of [
        'prune_zfs_snapshots',
        'clone_zfs_snapshot',
        'set_zfs_property',
        'zfs_scrub',
        'replicate_zfs',
      ]) {
        assert.equal(tools.get(name)?.annotations?.readOnlyHint, false, name);
        assert.ok(tools.get(name)?.outputSchema, name);
      }
      assert.equal(tools.get('prune_zfs_snapshots')?.annotations?.destructiveHint, true);

      const listed = await client.callTool({
        name: 'list_zfs_snapshots',
        arguments: {
          device: 'nas-src',
          dataset: 'tank/vm',
          name_pattern: 'autosnap_*',
          older_than: '2026-11-07T00:00:00Z',
        },
      });
      assert.equal(listed.isError, undefined, JSON.stringify(listed));
      const content = listed.structuredContent as { snapshots: Array<{ name: string }>; matching: number };
      assert.deepEqual(
        content.snapshots.map((s) => s.name),
        ['tank/vm@autosnap_2026-11-06_daily'],
      );

      const plan = await client.callTool({
        name: 'prune_zfs_snapshots',
        arguments: { device: 'nas-src', dataset: 'tank/vm', keep_last: 1, name_pattern: 'autosnap_*', dry_run: true },
      });
      assert.deepEqual(
        (plan.structuredContent as { plan: { destroy: Array<{ name: string }> } }).plan.destroy.map((s) => s.name),
        ['tank/vm@autosnap_2026-11-06_daily'],
      );
      assert.equal(
        (plan.structuredContent as { operation_id?: string }).operation_id,
        undefined,
        'a dry run runs nothing',
      );

      const held = await client.callTool({
        name: 'set_zfs_property',
        arguments: { device: 'nas-dst', dataset: 'backup/data', property: 'mountpoint', value: '/srv/backup' },
      });
      const heldBody = held.structuredContent as { status: string; operation_id: string };
      assert.equal(heldBody.status, 'DESTRUCTIVE_ACTION_BLOCKED');
      assert.equal((await call('POST', `/api/operations/${heldBody.operation_id}/cancel`, agent.token)).status, 200);

      const replicated = await client.callTool({
        name: 'replicate_zfs',
        arguments: {
          source_device: 'nas-src',
          source_dataset: 'tank/data',
          target_device: 'nas-dst',
          target_dataset: 'backup/data',
        },
      });
      const replication = (replicated.structuredContent as { replication: { phase: string; replication_id: string } })
        .replication;
      assert.equal(replication.phase, 'up_to_date', JSON.stringify(replicated));
      const followed = await client.callTool({
        name: 'get_zfs_replication',
        arguments: { replication_id: replication.replication_id },
      });
      assert.equal((followed.structuredContent as { replication: { phase: string } }).replication.phase, 'up_to_date');

      const refused = await client.callTool({
        name: 'get_zfs_properties',
        arguments: { device: 'nas-dst', dataset: 'backup/data', properties: ['mountpoint;id'] },
      });
      assert.equal(refused.isError, true);
      assert.equal(JSON.parse((refused.content as Array<{ text: string }>)[0]!.text).error.code, 'validation_error');
    } finally {
      await client.close();
    }
  });
});
