import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { RunningSystem } from '../../app/system.ts';
import { LOCAL_OWNER } from '../../schema/api-token.ts';
import { CONFIRMER_ATTRIBUTE, REQUESTER_ATTRIBUTE } from '../../workflows/search-attributes.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiRequest } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

const PUBLIC_URL = 'https://infra.test';

/**
 * Issue 17: an agent holds a destructive command and has no path to release it; a person with the
 * confirm scope reads the phrase and releases it, once. Real tokens, a real sshd, the real stack, with
 * the production default (distinct confirmer).
 */
describe('a held operation is released by a person, never by the agent that asked', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let receiver: http.Server;
  const notices: Array<Record<string, unknown>> = [];
  let admin: string;
  let agent: { token: string; id: string };
  let person: { token: string; id: string };

  const call = (
    method: string,
    route: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => apiRequest(sys.apiUrl!, method, route, body, { token, headers });
  const mcpSession = async (token: string, name = 'claude-desktop') => {
    const client = new McpClient({ name, version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  };
  const toolText = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;
  const createToken = async (name: string, scopes: string[]) => {
    const created = await call('POST', '/api/tokens', admin, { name, scopes });
    assert.equal(created.status, 201, created.text);
    return { token: created.body.token as string, id: `token:${created.body.id as string}` };
  };

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem({
      requireDistinctConfirmer: true,
      publicUrl: PUBLIC_URL,
      confirmationTimeoutSeconds: 60,
    });
    admin = (
      await sys.tokens.create({ name: 'owner', scopes: ['admin', 'confirm'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    agent = await createToken('claude', ['read', 'operate']);
    person = await createToken('alice', ['read', 'confirm']);
    const device = {
      hostname: 'nas01',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
      monitoring_enabled: false,
    };
    assert.equal((await call('POST', '/api/devices', admin, device)).status, 201);
    receiver = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        notices.push(JSON.parse(raw) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;
    assert.equal(
      (
        await call('POST', '/api/alerts/channels', admin, {
          name: 'pager',
          kind: 'webhook',
          url: `http://127.0.0.1:${port}/hook`,
        })
      ).status,
      201,
    );
    const rule = {
      name: 'held operations',
      source: 'operation',
      match: { operation_states: ['awaiting_confirmation'] },
    };
    assert.equal((await call('POST', '/api/alerts/rules', admin, rule)).status, 201);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  test('every path the agent has fails; the person reads the phrase and releases it; the device runs it once', async () => {
    const session = await mcpSession(agent.token);
    const heldText = toolText(
      await session.callTool({
        name: 'run_command',
        arguments: { device: 'nas01', command: 'docker stop $(docker ps -q)' },
      }),
    );
    const held = JSON.parse(heldText);
    assert.equal(held.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    const id = held.operation_id as string;
    assert.equal(held.confirmation_required.phrase, undefined);
    assert.equal(held.confirmation_required.cli, `infra confirm ${id}`);
    assert.equal(held.confirmation_required.web, `${PUBLIC_URL}/operations/${id}`);

    // 1. confirm_operation in the same MCP session: forbidden, as a tool result the model can read.
    const own = await session.callTool({
      name: 'confirm_operation',
      arguments: { operation_id: id, phrase: 'STOP 4 CONTAINERS ON NAS01' },
    });
    assert.equal(own.isError, true);
    assert.equal(JSON.parse(toolText(own)).error.code, 'forbidden');
    // 2. A second MCP session on the same token: the same principal, the same refusal.
    const second = await mcpSession(agent.token, 'another-client');
    const again = await second.callTool({
      name: 'confirm_operation',
      arguments: { operation_id: id, phrase: 'STOP 4 CONTAINERS ON NAS01' },
    });
    assert.equal(JSON.parse(toolText(again)).error.code, 'forbidden');
    // 3. HTTP with the agent's token, whatever it says it is.
    for (const user of ['alice', 'bob@cli', 'local']) {
      const viaHttp = await call(
        'POST',
        `/api/operations/${id}/confirm`,
        agent.token,
        { phrase: 'STOP 4 CONTAINERS ON NAS01' },
        { 'x-infra-user': user },
      );
      assert.equal(viaHttp.status, 403, viaHttp.text);
      assert.equal(viaHttp.body.error.code, 'insufficient_scope');
    }
    // 4. The agent reading the operation does not see the phrase either.
    const asAgent = await call('GET', `/api/operations/${id}`, agent.token);
    assert.equal(asAgent.body.state, 'awaiting_confirmation');
    assert.equal(asAgent.body.confirmation_phrase, undefined);
    assert.equal(sshd.countCalls(/^docker stop/), 0, 'the device never ran it');

    const inbox = await call('GET', '/api/operations?state=awaiting_confirmation', person.token);
    assert.deepEqual(
      inbox.body.operations.map((o: { operation_id: string }) => o.operation_id),
      [id],
      'the inbox of held operations',
    );
    assert.equal(inbox.body.operations[0].confirmation_phrase, undefined, 'the list carries no phrase');
    const asPerson = await call('GET', `/api/operations/${id}`, person.token);
    const phrase = asPerson.body.confirmation_phrase as string;
    assert.match(phrase, /NAS01/i);
    for (const answer of [heldText, asAgent.text, toolText(own), toolText(again), inbox.text])
      assert.ok(!answer.includes(phrase), `no phrase in ${answer.slice(0, 200)}`);
    // Even the right phrase from the agent's paths changes nothing.
    assert.equal((await call('POST', `/api/operations/${id}/confirm`, agent.token, { phrase })).status, 403);
    assert.equal(
      JSON.parse(
        toolText(await session.callTool({ name: 'confirm_operation', arguments: { operation_id: id, phrase } })),
      ).error.code,
      'forbidden',
    );
    assert.equal(sshd.countCalls(/^docker stop/), 0);

    const released = await call('POST', `/api/operations/${id}/confirm`, person.token, { phrase });
    assert.equal(released.status, 200, released.text);
    assert.equal(released.body.exit_code, 0);
    assert.equal(sshd.countCalls(/^docker stop/), 1, 'ran exactly once');
    assert.equal((await call('POST', `/api/operations/${id}/confirm`, person.token, { phrase })).status, 409);
    assert.equal(sshd.countCalls(/^docker stop/), 1);

    const op = (await call('GET', `/api/operations/${id}`, person.token)).body;
    assert.deepEqual(op.requested_by, { id: agent.id, name: 'claude', on_behalf_of: 'claude-desktop' });
    assert.deepEqual(op.confirmed_by, { id: person.id, name: 'alice', on_behalf_of: null });
    const audit = (await call('GET', '/api/audit?device=nas01&limit=200', person.token)).body.entries as Array<{
      action: string;
      principal: string;
      details: { operation_id?: string };
    }>;
    const steps = audit.filter((e) => e.details?.operation_id === id).reverse();
    assert.deepEqual(
      steps.map((e) => [e.action, e.principal]),
      [
        ['operation_requested', agent.id],
        ['operation_held', agent.id],
        ['operation_confirmed', person.id],
        ['operation_executed', person.id],
      ],
    );
    const described = await sys.client.workflow.getHandle(op.workflow_id).describe();
    assert.equal(described.typedSearchAttributes.get(REQUESTER_ATTRIBUTE), agent.id);
    assert.equal(described.typedSearchAttributes.get(CONFIRMER_ATTRIBUTE), person.id);

    // The person was told: the webhook got the phrase and the link (and only the channel did).
    const notice = await waitFor('the operation.held notification', () => notices.find((n) => n.operation_id === id));
    assert.equal(notice.event, 'operation.held');
    assert.equal(notice.phrase, phrase);
    assert.deepEqual((notice.confirm as { web: string }).web, `${PUBLIC_URL}/operations/${id}`);
    const alerts = await call('GET', '/api/alerts?limit=100', agent.token);
    assert.ok(alerts.text.includes(id), 'the held operation is in the alert history');
    assert.ok(!alerts.text.includes(phrase), 'its phrase is not: agents can read that history');
    await session.close();
    await second.close();
  });

  test('a token with both operate and confirm still cannot release its own request; the requester may withdraw it', async () => {
    const both = await createToken('ops-script', ['operate', 'confirm']);
    const held = await call('POST', '/api/devices/nas01/exec', both.token, {
      command: 'docker rm -f $(docker ps -aq)',
    });
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.confirmation_required.phrase, undefined);
    const mine = await call('GET', `/api/operations/${held.body.operation_id}`, both.token);
    assert.equal(mine.body.confirmation_phrase, undefined, 'the requester is not shown the phrase');
    const phrase = (await call('GET', `/api/operations/${held.body.operation_id}`, person.token)).body
      .confirmation_phrase as string;
    const refused = await call('POST', `/api/operations/${held.body.operation_id}/confirm`, both.token, { phrase });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'requester_cannot_confirm');
    assert.equal(sshd.countCalls(/^docker rm/), 0);
    // The agent may withdraw what it asked for; it may not cancel someone else's.
    const others = await call('POST', `/api/operations/${held.body.operation_id}/cancel`, agent.token);
    assert.equal(others.status, 403);
    assert.equal(others.body.error.code, 'forbidden');
    const withdrawn = await call('POST', `/api/operations/${held.body.operation_id}/cancel`, both.token);
    assert.equal(withdrawn.status, 200, withdrawn.text);
    assert.equal(withdrawn.body.state, 'cancelled');
    // Confirming a cancelled operation of someone else's: a clear 4xx, nothing runs.
    const late = await call('POST', `/api/operations/${held.body.operation_id}/confirm`, person.token, { phrase });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'operation_closed');
    assert.equal(sshd.countCalls(/^docker rm/), 0);
  });

  test('bad input: unknown scope, revoked and expired tokens are refused with the error shape; nothing runs', async () => {
    const unknownScope = await call('POST', '/api/tokens', admin, { name: 'x', scopes: ['read', 'superuser'] });
    assert.equal(unknownScope.status, 400);
    assert.equal(unknownScope.body.error.code, 'validation_error');
    assert.ok(unknownScope.body.error.correlation_id);
    assert.equal((await call('POST', '/api/tokens', admin, { name: 'y', scopes: [] })).status, 400);

    const revoked = await createToken('old-laptop', ['read', 'confirm']);
    assert.equal((await call('DELETE', `/api/tokens/${revoked.id.slice('token:'.length)}`, admin)).status, 200);
    const withRevoked = await call('GET', '/api/devices', revoked.token);
    assert.equal(withRevoked.status, 401);
    assert.equal(withRevoked.body.error.code, 'token_revoked');

    const expiring = await createToken('temp', ['read', 'confirm']);
    await sys.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.id.slice('token:'.length))
      .execute();
    const held = await call('POST', '/api/devices/nas01/exec', agent.token, { command: 'reboot' });
    assert.equal(held.status, 409, held.text);
    const withExpired = await call('POST', `/api/operations/${held.body.operation_id}/confirm`, expiring.token, {
      phrase: 'REBOOT NAS01',
    });
    assert.equal(withExpired.status, 401);
    assert.equal(withExpired.body.error.code, 'token_expired');
    assert.equal(sshd.countCalls(/^reboot|shutdown/), 0);
    assert.equal((await call('POST', `/api/operations/${held.body.operation_id}/cancel`, person.token)).status, 200);
  });

  test('the guards judge a path as the router matches it: other cases and trailing slashes change nothing', async () => {
    for (const [method, route, body] of [
      ['POST', '/api/Tokens', { name: 'sneaky', scopes: ['read', 'confirm'] }],
      ['GET', '/api/TOKENS/', undefined],
      ['POST', '/api/Alerts/Channels', { name: 'leak', kind: 'webhook', url: 'http://127.0.0.1:9/x' }],
      ['GET', '/api/alerts/channels/', undefined],
      ['POST', '/api/Devices/', { hostname: 'rogue', address: '127.0.0.1' }],
      ['POST', '/api/operations/00000000-0000-4000-8000-000000000000/CONFIRM', { phrase: 'x' }],
      ['POST', '/api/%74okens', { name: 'encoded', scopes: ['confirm'] }],
    ] as const) {
      const res = await call(method, route, agent.token, body);
      assert.ok(res.status === 403 || res.status === 404, `${method} ${route}: ${res.status} ${res.text}`);
    }
    const tokens = await call('GET', '/api/tokens', admin);
    assert.ok(!tokens.body.tokens.some((t: { name: string }) => ['sneaky', 'encoded'].includes(t.name)));
  });

  test('admin alone is not a way to confirm: it cannot mint a confirm token or add a channel that receives phrases', async () => {
    const adminOnly = await createToken('automation-admin', ['admin']);
    const minted = await call('POST', '/api/tokens', adminOnly.token, {
      name: 'release-key',
      scopes: ['read', 'confirm'],
    });
    assert.equal(minted.status, 403, minted.text);
    assert.equal(minted.body.error.code, 'insufficient_scope');
    const channel = await call('POST', '/api/alerts/channels', adminOnly.token, {
      name: 'mine',
      kind: 'webhook',
      url: 'http://127.0.0.1:9/hook',
    });
    assert.equal(channel.status, 403, channel.text);
    assert.equal(
      (await call('GET', '/api/alerts/channels', person.token)).status,
      403,
      'channel URLs (an ntfy topic is a subscription) are for admins',
    );
  });

  test('a person whose MCP client supports elicitation is asked in the client: the phrase is in the elicitation request only', async () => {
    const personal = await createToken('alice-desktop', ['read', 'operate', 'confirm']);
    const client = new McpClient({ name: 'alice-client', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      return { action: 'accept', content: { phrase: /type exactly: (.+)\n/.exec(String(req.params.message))![1]! } };
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
        requestInit: { headers: { authorization: `Bearer ${personal.token}` } },
      }),
    );
    try {
      const before = sshd.countCalls(/^docker restart/);
      const result = await client.callTool({
        name: 'run_command',
        arguments: { device: 'nas01', command: 'docker restart $(docker ps -q)' },
      });
      const answer = JSON.parse(toolText(result));
      assert.equal(answer.outcome, 'ran', toolText(result));
      assert.equal(asked.length, 1);
      const phrase = /type exactly: (.+)\n/.exec(asked[0]!)![1]!;
      assert.ok(!JSON.stringify(result).includes(phrase), 'the tool result has the outcome, not the phrase');
      assert.equal(sshd.countCalls(/^docker restart/) - before, 1);
      const op = (await call('GET', `/api/operations/${answer.operation_id}`, person.token)).body;
      assert.equal(op.requested_by.id, personal.id);
      assert.match(op.confirmed_by.id, /^mcp-elicitation:[0-9a-f-]{36}$/);
    } finally {
      await client.close();
    }
  });
});
