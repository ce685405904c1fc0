import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

describe('maintenance mode and compose restarts: real sshd, PostgreSQL, Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;

  const http = apiClient(() => api);
  const states = async () => {
    const res = await http('GET', '/api/devices/box/containers?force_refresh=true');
    return Object.fromEntries(res.body.data.containers.map((c: { name: string; state: string }) => [c.name, c.state]));
  };

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd, { stateful: true });
    sys = await startTestSystem({ confirmationTimeoutSeconds: 60 });
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

  test('entering maintenance is held for the phrase, stops only non-critical containers, and leaving restores them', async () => {
    const before = await states();
    const stops = () => sshd.countCalls(/^docker (stop|start)/);
    const held = await http(
      'POST',
      '/api/devices/box/maintenance',
      { enable: true, reason: 'replacing the UPS' },
      { headers: { 'x-infra-user': 'alice' } },
    );
    assert.equal(held.status, 409, JSON.stringify(held.body));
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    const phrase: string = (await http('GET', `/api/operations/${held.body.operation_id}`)).body.confirmation_phrase;
    assert.match(phrase, /^enter maintenance on box \d{4}$/);
    assert.deepEqual(held.body.maintenance.plan.stop, ['grafana']);
    assert.deepEqual(held.body.maintenance.plan.kept, [
      { name: 'nextcloud-db', reason: 'critical: database' },
      { name: 'nginx', reason: 'critical: reverse proxy' },
    ]);
    assert.equal(stops(), 0, 'nothing is stopped before the phrase');

    const confirmed = await http(
      'POST',
      `/api/operations/${held.body.operation_id}/confirm`,
      { phrase },
      { headers: { 'x-infra-user': 'bob' } },
    );
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    await waitFor(
      'box to be in maintenance',
      async () => (await http('GET', '/api/devices/box/maintenance')).body.in_maintenance === true,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const device = await http('GET', '/api/devices/box');
    assert.deepEqual(device.body.maintenance.stopped, ['grafana']);
    assert.equal(device.body.maintenance.reason, 'replacing the UPS');
    assert.equal((await states()).grafana, 'exited');
    assert.equal((await states()).nginx, 'running');

    const again = await http('POST', '/api/devices/box/maintenance', { enable: true });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_in_maintenance');

    const left = await http(
      'POST',
      '/api/devices/box/maintenance',
      { enable: false },
      { headers: { 'x-infra-user': 'carol' } },
    );
    assert.equal(left.status, 200, JSON.stringify(left.body));
    assert.equal(left.body.maintenance.phase, 'left');
    assert.deepEqual(
      left.body.maintenance.restored.map((r: { container: string; ok: boolean }) => [r.container, r.ok]),
      [['grafana', true]],
    );
    assert.deepEqual(await states(), before);
    assert.equal((await http('GET', '/api/devices/box')).body.maintenance, null);
    const audit = await sys.db
      .selectFrom('audit_log')
      .select('action')
      .where('hostname', '=', 'box')
      .where('action', 'in', ['maintenance_entered', 'maintenance_left'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['maintenance_entered', 'maintenance_left'],
    );
    const notIn = await http('POST', '/api/devices/box/maintenance', { enable: false });
    assert.equal(notIn.status, 409);
    assert.equal(notIn.body.error.code, 'not_in_maintenance');
  });

  test('a bad maintenance request changes nothing', async () => {
    const before = sshd.countCalls(/^docker (stop|start)/);
    const unknown = await http('POST', '/api/devices/box/maintenance', { enable: true, keep: ['ghost'] });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    assert.match(unknown.body.error.message, /ghost/);
    const hostile = await http('POST', '/api/devices/box/maintenance', { enable: true, include: ['nginx;reboot'] });
    assert.equal(hostile.status, 400);
    assert.equal(sshd.countCalls(/^docker (stop|start)/), before);
    assert.equal((await http('GET', '/api/devices/box')).body.maintenance, null);
  });

  test('diagnosis collects fresh data and names the exited container with evidence; data answers carry insights', async () => {
    const res = await http('GET', '/api/devices/box/diagnosis?focus=containers');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [report] = res.body.reports;
    assert.equal(report.device, 'box');
    assert.deepEqual(report.checked, ['containers']);
    const exited = report.findings.find((f: { subject: string }) => f.subject === 'old-backup');
    assert.ok(exited, JSON.stringify(report.findings));
    assert.match(exited.message, /old-backup/);
    assert.ok(exited.recommendation.length > 0);
    assert.ok(
      !report.findings.some((f: { subject: string }) => f.subject === 'nginx'),
      'a healthy container is not a finding',
    );
    const audit = await sys.db
      .selectFrom('audit_log')
      .select('details')
      .where('hostname', '=', 'box')
      .where('action', '=', 'diagnosis')
      .execute();
    assert.equal(audit.length, 1);
    const answer = await http('GET', '/api/devices/box/containers');
    assert.ok(answer.body.insights.some((i: { subject: string }) => i.subject === 'old-backup'));
    const fleet = await http('GET', '/api/diagnosis?focus=containers');
    assert.equal(fleet.status, 200, JSON.stringify(fleet.body));
    assert.deepEqual(
      fleet.body.reports.map((r: { device: string }) => r.device),
      ['box'],
    );
    const bad = await http('GET', '/api/devices/box/diagnosis?focus=everything');
    assert.equal(bad.status, 400);
  });

  test('restarting a compose service runs on the device and waits for it to run again; an unknown one is a 404', async () => {
    const before = sshd.countCalls(/^docker restart/);
    const res = await http('POST', '/api/devices/box/compose/services/nginx/restart', {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.restart.project, 'web');
    assert.deepEqual(
      res.body.restart.steps.map((s: { service: string; state: string }) => [s.service, s.state]),
      [['nginx', 'ready']],
    );
    assert.equal(sshd.countCalls(/^docker restart nginx$/), 1);
    assert.equal(sshd.countCalls(/^docker restart/), before + 1);
    const missing = await http('POST', '/api/devices/box/compose/services/nope/restart', {});
    assert.equal(missing.status, 404);
  });
});
