import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { event: string; id: string; subject: string; state: string; message: string; device: string };
}

describe('alerts delivered by webhook and live events over SSE: real sshd, PostgreSQL, Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;
  let receiver: http.Server;
  const received: Received[] = [];
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const stream = new AbortController();

  const call = apiClient(() => api);

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd, { stateful: true });
    sys = await startTestSystem();
    api = sys.apiUrl!;
    receiver = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    // The SSE stream, read in the background for the whole suite.
    const res = await fetch(`${api}/api/events`, { signal: stream.signal });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted at the end of the suite
      }
    })();
  });
  after(async () => {
    stream.abort();
    await sys?.stop();
    await sshd?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  test('an exited container fires a signed webhook once, its recovery resolves it; collections and alerts stream as events', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const channel = await call('POST', '/api/alerts/channels', {
      name: 'test-hook',
      kind: 'webhook',
      url: `http://127.0.0.1:${port}/hook`,
      secret: 'hook-secret',
    });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    assert.equal(channel.body.has_secret, true);
    assert.ok(
      !JSON.stringify((await call('GET', '/api/alerts/channels')).body).includes('hook-secret'),
      'secrets never come back',
    );
    const rule = await call('POST', '/api/alerts/rules', {
      name: 'exited containers',
      source: 'insight',
      match: { min_severity: 'warning', codes: ['container_exited'] },
      for_seconds: 0,
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    assert.equal(
      (
        await call('POST', '/api/devices', {
          hostname: 'box',
          address: '127.0.0.1',
          port: sshd.port,
          username: sshd.username,
          identity_file: sshd.clientKeyPath,
        })
      ).status,
      201,
    );

    assert.equal((await call('GET', '/api/devices/box/containers?force_refresh=true')).status, 200);
    const fired = await waitFor('the firing webhook', () => received.find((r) => r.body.event === 'alert.firing'));
    assert.equal(fired.body.device, 'box');
    assert.equal(fired.body.subject, 'containers:container_exited:old-backup');
    assert.equal(
      fired.headers['x-infra-signature-256'],
      `sha256=${createHmac('sha256', 'hook-secret').update(fired.raw).digest('hex')}`,
    );

    // Seen again: still firing, not notified again.
    assert.equal((await call('GET', '/api/devices/box/containers?force_refresh=true')).status, 200);
    assert.equal((await call('POST', '/api/devices/box/containers/old-backup/start', {})).status, 200);
    assert.equal((await call('GET', '/api/devices/box/containers?force_refresh=true')).status, 200);
    const resolved = await waitFor('the recovery webhook', () =>
      received.find((r) => r.body.event === 'alert.resolved'),
    );
    assert.equal(resolved.body.id, `${fired.body.id.split(':')[0]}:resolved`);
    assert.match(resolved.body.message, /^recovered: /);
    assert.equal(received.filter((r) => r.body.event === 'alert.firing').length, 1, 'one notification per transition');

    const history = await call('GET', '/api/alerts?device=box');
    const mine = history.body.alerts.filter((a: { rule: string }) => a.rule === 'exited containers');
    assert.deepEqual(
      mine.map((a: { state: string }) => a.state),
      ['resolved'],
    );
    assert.ok(mine[0].fired_at && mine[0].resolved_at);

    await waitFor(
      'collect and alert events on the stream',
      () =>
        events.some((e) => e.event === 'collect' && e.data.device === 'box') &&
        events.some((e) => e.event === 'alert_fired') &&
        events.some((e) => e.event === 'alert_resolved'),
    );
    assert.ok(
      events.some((e) => e.event === 'operation_executed' && e.data.device === 'box'),
      'the container start streamed as an operation event',
    );
    assert.ok(!events.some((e) => e.event === 'read'), 'plain reads are not streamed');
  });

  test('a confirmed destructive operation notifies once (an event alert, kept as history)', async () => {
    const held = await call('POST', '/api/devices/box/exec', { command: 'docker stop $(docker ps -q)' });
    assert.equal(held.status, 409, JSON.stringify(held.body));
    const done = await call('POST', `/api/operations/${held.body.operation_id}/confirm`, {
      phrase: (await call('GET', `/api/operations/${held.body.operation_id}`)).body.confirmation_phrase,
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const note = await waitFor('the operation notification', () =>
      received.find((r) => r.body.subject === `operation:${held.body.operation_id}:confirmed`),
    );
    assert.match(note.body.message, /^operation confirmed on box/);
    const history = await call('GET', '/api/alerts?device=box');
    const events = history.body.alerts.filter((a: { rule: string }) => a.rule === 'operation blocked or confirmed');
    assert.deepEqual(
      events.map((a: { state: string }) => a.state),
      ['resolved'],
    );
  });

  test('observability: /metrics in Prometheus format and /api/performance rolled up from the audit log', async () => {
    await call('GET', '/api/devices/box/containers');
    const res = await fetch(`${api}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const value = (line: RegExp) =>
      Number(new RegExp(`^${line.source} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text)?.[1] ?? NaN);
    assert.ok(value(/infra_collections_total\{data_type="containers",status="success"\}/) >= 3);
    assert.ok(value(/infra_reads_total\{data_type="containers",cache_hit="true"\}/) >= 1);
    assert.ok(value(/infra_alert_transitions_total\{state="firing"\}/) >= 1);
    assert.ok(value(/infra_ssh_connections_open/) >= 1);
    assert.ok(value(/infra_db_pool_connections\{state="total"\}/) >= 1);
    assert.match(text, /^infra_workflow_duration_seconds_count\{workflow="collectWorkflow"\} \d+$/m);
    // The cached read above is counted in the audit log at the next flush, a few seconds on.
    type Period = {
      service_name: string;
      action: string;
      operations_cached: number;
      operations_total: number;
      operations_successful: number;
      operations_failed: number;
    };
    const reads = await waitFor('the cached read in the roll-up', async () => {
      const perf = await call('GET', '/api/performance?period=minute&device=box');
      assert.equal(perf.status, 200, JSON.stringify(perf.body));
      const periods = (perf.body.periods as Period[]).filter((p) => p.service_name === 'api' && p.action === 'read');
      return periods.reduce((n, p) => n + p.operations_cached, 0) >= 1 ? periods : undefined;
    });
    assert.ok(reads.every((p) => p.operations_total === p.operations_successful + p.operations_failed));
    assert.equal((await call('GET', '/api/performance?period=week')).status, 400);
  });

  test('a device that refuses our key fires the device rule at once (auth failures are not retried); status changes stream', async () => {
    await call('POST', '/api/devices', {
      hostname: 'gone',
      address: '127.0.0.1',
      port: sshd.port,
      username: 'no-such-user',
      identity_file: sshd.clientKeyPath,
    });
    assert.equal((await call('GET', '/api/devices/gone/metrics?force_refresh=true')).status >= 400, true);
    const alert = await waitFor('the device alert', async () => {
      const res = await call('GET', '/api/alerts?device=gone&state=firing');
      return res.body.alerts.find((a: { rule: string }) => a.rule === 'device unreachable');
    });
    assert.match(alert.message, /^gone is auth_failed/);
    await waitFor('the webhook', () =>
      received.find((r) => r.body.device === 'gone' && r.body.event === 'alert.firing'),
    );
    await waitFor('the status event', () =>
      events.find((e) => e.event === 'device_status' && e.data.device === 'gone' && e.data.status === 'auth_failed'),
    );
  });
});
