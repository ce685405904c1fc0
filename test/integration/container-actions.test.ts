import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

describe('container actions and bounded logs: real sshd, PostgreSQL, Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;

  const http = apiClient(() => api);
  const containerState = async (name: string) => {
    const res = await http('GET', '/api/devices/box/containers?force_refresh=true');
    return res.body.data.containers.find((c: { name: string }) => c.name === name)?.state ?? null;
  };

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd, { stateful: true });
    // journalctl stand-in: prints its arguments (one per line) and two journal lines.
    sshd.standIn(
      'journalctl',
      `#!/bin/sh\necho "journalctl $*" >> "$INFRA_TEST_EXEC_LOG"\nfor a in "$@"; do echo "arg:$a"; done\necho '2026-11-25T10:00:00+0000 box nginx[812]: started'\n`,
    );
    sys = await startTestSystem({ confirmationTimeoutSeconds: 30 });
    api = sys.apiUrl!;
    const res = await http('POST', '/api/devices', {
      hostname: 'box',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('restarting one named container runs at once, is audited, and answers its new state', async () => {
    const res = await http(
      'POST',
      '/api/devices/box/containers/old-backup/restart',
      {},
      { headers: { 'x-infra-user': 'alice' } },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.action, 'restart');
    assert.equal(res.body.exit_code, 0);
    assert.equal(res.body.stdout, 'old-backup\n');
    assert.deepEqual(res.body.after, [{ name: 'old-backup', state: 'running', status: 'Up Less than a second' }]);
    const op = await http('GET', `/api/operations/${res.body.operation_id}`);
    assert.equal(op.body.command, "docker restart 'old-backup'");
    assert.deepEqual(op.body.requested_by, { id: 'local', name: 'local owner', on_behalf_of: 'alice' });
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('hostname', '=', 'box')
      .where('action', '=', 'operation_executed')
      .execute();
    assert.equal(audit.length, 1);
  });

  test('a name the device does not have is refused before anything runs; a malformed one is a 400', async () => {
    const before = sshd.countCalls(/^docker (stop|rm|start|restart)/);
    const missing = await http('POST', '/api/devices/box/containers/ghost/stop');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'unknown_container');
    assert.deepEqual(missing.body.error.details.unknown, ['ghost']);
    assert.ok(missing.body.error.details.known.includes('nginx'));
    const hostile = await http('POST', '/api/devices/box/containers/actions', {
      action: 'stop',
      containers: ['nginx;reboot'],
    });
    assert.equal(hostile.status, 400);
    const wrongOption = await http('POST', '/api/devices/box/containers/nginx/stop', { volumes: true });
    assert.equal(wrongOption.status, 400);
    assert.match(JSON.stringify(wrongOption.body), /volumes applies to remove only/);
    assert.equal(sshd.countCalls(/^docker (stop|rm|start|restart)/), before);
    const ops = await sys.db
      .selectFrom('operations')
      .select('command')
      .where('hostname', '=', 'box')
      .where('command', 'like', '%ghost%')
      .execute();
    assert.deepEqual(ops, []);
  });

  test('a bulk stop is held for the phrase, runs once confirmed, and both containers are then stopped', async () => {
    const res = await http(
      'POST',
      '/api/devices/box/containers/actions',
      { action: 'stop', containers: ['grafana', 'nginx'] },
      { headers: { 'x-infra-user': 'agent-7' } },
    );
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.deepEqual(res.body.containers, ['grafana', 'nginx']);
    assert.equal(sshd.countCalls(/^docker stop/), 0, 'nothing stopped while held');
    assert.equal(await containerState('nginx'), 'running');

    const ok = await http(
      'POST',
      `/api/operations/${res.body.operation_id}/confirm`,
      { phrase: (await http('GET', `/api/operations/${res.body.operation_id}`)).body.confirmation_phrase },
      { headers: { 'x-infra-user': 'bob' } },
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(sshd.countCalls(/^docker stop grafana nginx$/), 1);
    assert.equal(await containerState('nginx'), 'exited');
    assert.equal(await containerState('grafana'), 'exited');
  });

  test('removing with volumes is held as data loss; cancelling leaves the container', async () => {
    const res = await http('POST', '/api/devices/box/containers/old-backup/remove', { volumes: true, force: true });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.ok(res.body.risk_assessment.categories.includes('volume_removal'));
    const cancelled = await http('POST', `/api/operations/${res.body.operation_id}/cancel`);
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal(sshd.countCalls(/^docker rm/), 0);
    assert.equal(await containerState('old-backup'), 'running');
  });

  test('removing one container without volumes runs, and the answer says it is gone', async () => {
    const res = await http('POST', '/api/devices/box/containers/old-backup/remove', { force: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.after, [{ name: 'old-backup', state: null, status: null }]);
    assert.equal(await containerState('old-backup'), null);
  });

  test('logs are bounded by tail, which is capped', async () => {
    const res = await http('GET', '/api/devices/box/containers/nginx/logs?tail=5&since=2h');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const lines = res.body.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[4], /line-500$/);
    assert.equal(sshd.countCalls(/^docker logs --tail 5 --since 2h nginx$/), 1);
    const tooMany = await http('GET', '/api/devices/box/containers/nginx/logs?tail=20000');
    assert.equal(tooMany.status, 400);
    const badSince = await http('GET', '/api/devices/box/containers/nginx/logs?since=$(reboot)');
    assert.equal(badSince.status, 400);
  });

  test("inspect answers docker's JSON, parsed", async () => {
    const res = await http('GET', '/api/devices/box/containers/nextcloud-db/inspect');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.inspect[0].Name, '/nextcloud-db');
    assert.equal(res.body.inspect[0].Config.Image, 'mariadb:11.4');
  });

  test('exec runs a safe command in the container; a destructive one is held, not run', async () => {
    const res = await http('POST', '/api/devices/box/containers/nextcloud-db/exec', {
      command: 'echo "in $CONTAINER"',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.stdout, 'in nextcloud-db\n');
    const held = await http('POST', '/api/devices/box/containers/nextcloud-db/exec', {
      command: 'rm -rf /var/lib/mysql',
    });
    assert.equal(held.status, 409, JSON.stringify(held.body));
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.equal(sshd.countCalls(/^docker exec nextcloud-db sh -c rm/), 0);
  });

  test('journald logs of a unit: validated, quoted, bounded', async () => {
    const res = await http('GET', '/api/devices/box/services/nginx.service/logs?tail=50&since=15m');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.unit, 'nginx.service');
    assert.match(
      res.body.stdout,
      /^arg:--no-pager\narg:--output=short-iso\narg:--lines=50\narg:--since\narg:-15m\narg:--unit=nginx.service\n/,
    );
    const hostile = await http('GET', `/api/devices/box/services/${encodeURIComponent('x;reboot')}/logs`);
    assert.equal(hostile.status, 400);
    const unbounded = await http('GET', '/api/devices/box/services/nginx.service/logs?tail=0');
    assert.equal(unbounded.status, 400);
  });
});
