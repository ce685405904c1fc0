import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { deliveryRequest } from '../../activities/alerts/deliver.ts';
import { deviceStatusConditions, insightConditions, planAlerts, type Condition } from '../../domain/alerts/evaluate.ts';
import type { Insight } from '../../domain/insights/insight.ts';
import type { AlertTransition } from '../../schema/alert.ts';

const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 10, 0, s));
const cond = (subject: string): Condition => ({
  subject,
  severity: 'warning',
  message: `${subject} bad`,
  evidence: {},
});

describe('alert planning', () => {
  it('a new condition is pending until it has held for_seconds, then fires once', () => {
    const first = planAlerts([], [cond('containers:container_exited:a')], 300, at(0), 'containers:');
    assert.deepEqual(
      first.insert.map((i) => i.firing),
      [false],
    );
    const open = [{ id: '1', subject: 'containers:container_exited:a', state: 'pending' as const, first_seen: at(0) }];
    assert.deepEqual(
      planAlerts(open, [cond('containers:container_exited:a')], 300, at(299), 'containers:').update.map((u) => u.fire),
      [false],
    );
    assert.deepEqual(
      planAlerts(open, [cond('containers:container_exited:a')], 300, at(300), 'containers:').update.map((u) => u.fire),
      [true],
    );
    const firing = [{ ...open[0]!, state: 'firing' as const }];
    assert.deepEqual(
      planAlerts(firing, [cond('containers:container_exited:a')], 300, at(900), 'containers:').update.map(
        (u) => u.fire,
      ),
      [false],
      'fires once, not on every look',
    );
  });

  it('for_seconds 0 fires at once; a condition that is gone resolves, notified only if it had fired; other scopes are left alone', () => {
    assert.deepEqual(
      planAlerts([], [cond('device')], 0, at(0), 'device').insert.map((i) => i.firing),
      [true],
    );
    const open = [
      { id: '1', subject: 'containers:container_exited:a', state: 'firing' as const, first_seen: at(0) },
      { id: '2', subject: 'containers:container_exited:b', state: 'pending' as const, first_seen: at(0) },
      { id: '3', subject: 'metrics:filesystem_full:/', state: 'firing' as const, first_seen: at(0) },
    ];
    const plan = planAlerts(open, [], 0, at(10), 'containers:');
    assert.deepEqual(plan.resolve, [
      { id: '1', wasFiring: true },
      { id: '2', wasFiring: false },
    ]);
  });

  it('rules match insights by least severity and codes; device status by the listed states', () => {
    const insights: Insight[] = [
      { severity: 'critical', code: 'pool_degraded', subject: 'tank', message: 'tank DEGRADED', evidence: {} },
      {
        severity: 'warning',
        code: 'container_exited',
        subject: 'old-backup',
        message: 'old-backup exited (1)',
        evidence: {},
      },
      { severity: 'info', code: 'updates_pending', subject: 'apt', message: '3 updates', evidence: {} },
    ];
    assert.deepEqual(
      insightConditions({ min_severity: 'critical' }, 'zfs', insights).map((c) => c.subject),
      ['zfs:pool_degraded:tank'],
    );
    assert.deepEqual(insightConditions({ min_severity: 'warning' }, 'x', insights).length, 2);
    assert.deepEqual(
      insightConditions({ min_severity: 'info', codes: ['updates_pending'] }, 'updates', insights).map(
        (c) => c.subject,
      ),
      ['updates:updates_pending:apt'],
    );
    assert.deepEqual(
      deviceStatusConditions({ states: ['unreachable'] }, 'nas', 'unreachable', 'connection_refused: ...').map(
        (c) => c.message,
      ),
      ['nas is unreachable: connection_refused: ...'],
    );
    assert.deepEqual(deviceStatusConditions({ states: ['unreachable'] }, 'nas', 'online', null), []);
  });
});

describe('alert delivery requests', () => {
  const t: AlertTransition = {
    alert_id: 'a1',
    rule: 'critical problems',
    device: 'nas01',
    subject: 'zfs:pool_degraded:tank',
    state: 'firing',
    severity: 'critical',
    message: 'tank DEGRADED',
    evidence: { redundancy_left: 0 },
    first_seen: at(0).toISOString(),
    at: at(5).toISOString(),
  };

  it('webhook: the transition as JSON with a dedupe id, signed with HMAC-SHA256 when a secret is set', () => {
    const req = deliveryRequest({ kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 's3cret' }, t);
    const body = JSON.parse(req.body);
    assert.equal(body.event, 'alert.firing');
    assert.equal(body.id, 'a1:firing');
    assert.equal(
      req.headers['x-infra-signature-256'],
      `sha256=${createHmac('sha256', 's3cret').update(req.body).digest('hex')}`,
    );
    assert.equal(
      deliveryRequest({ kind: 'webhook', url: 'http://x/h', secret: null }, t).headers['x-infra-signature-256'],
      undefined,
    );
  });

  it('ntfy: JSON publishing to the server root with the topic in the body; gotify: /message with its key header', () => {
    const ntfy = deliveryRequest({ kind: 'ntfy', url: 'https://ntfy.example/homelab', secret: 'tk_1' }, t);
    assert.equal(ntfy.url, 'https://ntfy.example/');
    assert.deepEqual(JSON.parse(ntfy.body).topic, 'homelab');
    assert.equal(JSON.parse(ntfy.body).priority, 5);
    assert.equal(ntfy.headers.authorization, 'Bearer tk_1');
    const gotify = deliveryRequest(
      { kind: 'gotify', url: 'https://gotify.example/', secret: 'AbC' },
      { ...t, state: 'resolved' },
    );
    assert.equal(gotify.url, 'https://gotify.example/message');
    assert.equal(gotify.headers['x-gotify-key'], 'AbC');
    assert.match(JSON.parse(gotify.body).title, /^✅ nas01/);
  });
});
