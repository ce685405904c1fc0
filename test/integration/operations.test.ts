import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

describe('destructive-action protection end to end: real sshd, PostgreSQL, Temporal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;

  const http = apiClient(() => api);

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem({ confirmationTimeoutSeconds: 3 });
    api = sys.apiUrl!;
    const res = await http('POST', '/api/devices', {
      hostname: 'ops-dev',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
      tags: ['lab'],
    });
    assert.equal(res.status, 201);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('a safe command runs at once and answers exit code, stdout and stderr', async () => {
    const res = await http('POST', '/api/devices/ops-dev/exec', { command: 'echo hello; echo oops >&2; exit 3' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.exit_code, 3);
    assert.equal(res.body.stdout, 'hello\n');
    assert.equal(res.body.stderr, 'oops\n');
    assert.equal(res.body.stdout_truncated, false);
    const op = await http('GET', `/api/operations/${res.body.operation_id}`);
    assert.equal(op.body.state, 'completed');
  });

  test('a held command never reaches the device before confirmation, and runs exactly once after it', async () => {
    const command = 'docker rm -f $(docker ps -aq)';
    const res = await http(
      'POST',
      '/api/devices/ops-dev/exec',
      { command },
      { headers: { 'x-infra-user': 'agent-1' } },
    );
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    const { operation_id, confirmation_required, impact_details, risk_assessment } = res.body;
    assert.ok(operation_id);
    // The live container list decided the scope: 4 containers, the database among them.
    assert.equal(impact_details.affected_count, 4);
    assert.ok(
      impact_details.affected_items.some(
        (i: { name: string; critical: boolean }) => i.name === 'nextcloud-db' && i.critical,
      ),
    );
    assert.ok(['HIGH', 'CRITICAL'].includes(risk_assessment.risk_level));
    assert.equal(confirmation_required.phrase, undefined, 'the answer to the requester has no phrase');
    // The local owner (no tokens) may confirm where distinct confirmers are not required: GET shows it the phrase.
    const phrase: string = (await http('GET', `/api/operations/${operation_id}`)).body.confirmation_phrase;
    assert.match(phrase, /ops-dev/);
    assert.equal(confirmation_required.attempts_left, 3);
    assert.ok(res.body.safer_alternatives.length > 0);
    assert.equal(sshd.countCalls(/^docker rm/), 0, 'nothing removed while held');

    const wrong = await http(
      'POST',
      `/api/operations/${operation_id}/confirm`,
      { phrase: 'yes do it' },
      { headers: { 'x-infra-user': 'bob' } },
    );
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.error.code, 'wrong_phrase');
    assert.equal(wrong.body.error.details.attempts_left, 2);
    assert.equal(sshd.countCalls(/^docker rm/), 0);

    const ok = await http(
      'POST',
      `/api/operations/${operation_id}/confirm`,
      { phrase: phrase.toLowerCase() },
      { headers: { 'x-infra-user': 'bob' } },
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.exit_code, 0, JSON.stringify(ok.body));
    assert.equal(sshd.countCalls(/^docker rm -f/), 1, 'ran exactly once');

    const again = await http(
      'POST',
      `/api/operations/${operation_id}/confirm`,
      { phrase },
      { headers: { 'x-infra-user': 'bob' } },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'operation_closed');
    assert.equal(sshd.countCalls(/^docker rm -f/), 1);

    const op = (await http('GET', `/api/operations/${operation_id}`)).body;
    assert.equal(op.state, 'completed');
    assert.deepEqual(op.requested_by, { id: 'local', name: 'local owner', on_behalf_of: 'agent-1' });
    assert.deepEqual(op.confirmed_by, { id: 'local', name: 'local owner', on_behalf_of: 'bob' });
    assert.equal(op.confirmation_phrase, undefined, 'no phrase once it is no longer held');
    const audit = (await http('GET', '/api/audit?device=ops-dev&limit=200')).body.entries as Array<{
      action: string;
      details: { operation_id?: string };
    }>;
    const actions = audit
      .filter((e) => e.details?.operation_id === operation_id)
      .map((e) => e.action)
      .reverse();
    assert.deepEqual(actions, [
      'operation_requested',
      'operation_held',
      'operation_confirm_attempt',
      'operation_confirmed',
      'operation_executed',
    ]);
  });

  test('a held command expires: confirming afterwards is refused with 410 and nothing runs', async () => {
    const res = await http('POST', '/api/devices/ops-dev/exec', { command: 'sudo reboot' });
    assert.equal(res.status, 409);
    const opId = res.body.operation_id as string;
    await waitFor('the held command to expire', async () => (await http('GET', `/api/operations/${opId}`)).body.state, {
      until: (state) => state === 'expired',
      timeoutMs: 15_000,
    });
    const late = await http('POST', `/api/operations/${res.body.operation_id}/confirm`, { phrase: 'REBOOT OPS-DEV' });
    assert.equal(late.status, 410);
    assert.equal(late.body.error.code, 'operation_expired');
    assert.equal((await http('GET', `/api/operations/${res.body.operation_id}`)).body.state, 'expired');
  });

  test('cancel closes a held command', async () => {
    const res = await http('POST', '/api/devices/ops-dev/exec', { command: 'docker system prune -af --volumes' });
    assert.equal(res.status, 409);
    const cancelled = await http('POST', `/api/operations/${res.body.operation_id}/cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal(sshd.countCalls(/prune/), 0);
  });

  test('bad exec input is a 4xx and starts nothing', async () => {
    for (const [body, status] of [
      [{}, 400],
      [{ command: '' }, 400],
      [{ command: '   ' }, 400],
      [{ command: 'x'.repeat(17_000) }, 400],
      [{ command: 'ls', extra: 1 }, 400],
    ] as const) {
      const res = await http('POST', '/api/devices/ops-dev/exec', body);
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 50));
      assert.equal(res.body.error.code, 'validation_error');
    }
    assert.equal((await http('POST', '/api/devices/nope/exec', { command: 'ls' })).status, 404);
    assert.equal((await http('GET', '/api/operations/not-a-uuid')).status, 400);
    assert.equal((await http('GET', `/api/operations/${crypto.randomUUID()}`)).status, 404);
  });
});
