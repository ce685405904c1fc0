import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { buildServer } from '../../mcp/server.ts';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { ownerContext } from '../../services/device-service.ts';

const text = (r: unknown) => JSON.parse((r as { content: Array<{ text: string }> }).content[0]!.text);

describe('MCP run_command / confirm_operation / cancel_operation', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem();
    await sys.devices.create(
      {
        hostname: 'mcp-dev',
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
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  const http = apiClient(() => sys.apiUrl!);

  test('over Streamable HTTP with no tokens: each session is an agent of its own that holds but never releases; the local owner releases', async () => {
    const client = new McpClient({ name: 'test-agent', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(sys.mcpUrl!));
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId, 'a real session with its id');
      const safe = text(
        await client.callTool({ name: 'run_command', arguments: { device: 'mcp-dev', command: 'echo from-mcp' } }),
      );
      assert.equal(safe.stdout, 'from-mcp\n');
      const heldResult = await client.callTool({
        name: 'run_command',
        arguments: { device: 'mcp-dev', command: 'docker stop $(docker ps -q)' },
      });
      const held = text(heldResult);
      assert.equal(held.status, 'DESTRUCTIVE_ACTION_BLOCKED');
      assert.equal(sshd.countCalls(/^docker stop/), 0);
      const own = await client.callTool({
        name: 'confirm_operation',
        arguments: { operation_id: held.operation_id, phrase: 'please' },
      });
      assert.equal(own.isError, true);
      assert.equal(text(own).error.code, 'forbidden');

      // The local owner is another principal than the agent's session: it sees the phrase and releases it.
      const op = (await http('GET', `/api/operations/${held.operation_id}`)).body;
      assert.match(op.requested_by.id, /^mcp-session:[0-9a-f-]{36}$/);
      assert.equal(op.requested_by.on_behalf_of, 'test-agent');
      assert.ok(op.confirmation_phrase);
      assert.ok(!JSON.stringify(heldResult).includes(op.confirmation_phrase), 'the tool result has no phrase');
      const done = await http('POST', `/api/operations/${held.operation_id}/confirm`, {
        phrase: op.confirmation_phrase,
      });
      assert.equal(done.status, 200, done.text);
      assert.equal(sshd.countCalls(/^docker stop/), 1);
    } finally {
      await client.close();
    }
  });

  /** A client whose person answers elicitation with `answers` (then with the phrase they were shown). */
  function elicitingClient(name: string, answers: string[]) {
    const client = new McpClient({ name, version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      const phrase = /type exactly: (.+)\n/.exec(String(req.params.message))![1]!;
      return { action: 'accept', content: { phrase: answers.shift() ?? phrase } };
    });
    return { client, asked };
  }

  test('an agent session that declares elicitation is not asked: it could answer itself; the operation stays held', async () => {
    const { client, asked } = elicitingClient('self-answering-agent', []);
    await client.connect(new StreamableHTTPClientTransport(new URL(sys.mcpUrl!)));
    try {
      const before = sshd.countCalls(/^docker kill/);
      const held = text(
        await client.callTool({
          name: 'run_command',
          arguments: { device: 'mcp-dev', command: 'docker kill $(docker ps -q)' },
        }),
      );
      assert.equal(held.status, 'DESTRUCTIVE_ACTION_BLOCKED');
      assert.deepEqual(asked, [], 'no elicitation for a session without the confirm scope');
      assert.equal(sshd.countCalls(/^docker kill/) - before, 0);
      assert.equal((await http('POST', `/api/operations/${held.operation_id}/cancel`)).status, 200);
    } finally {
      await client.close();
    }
  });

  test('a session whose token holds confirm is asked; declining the elicitation cancels, nothing runs', async () => {
    const person = {
      id: 'token:person',
      name: 'person',
      kind: 'token' as const,
      scopes: ['read', 'operate', 'confirm'] as const,
    };
    const server = buildServer(sys, { id: 'in-process', principal: person });
    const { client, asked } = elicitingClient('elicit-agent', []);
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      return { action: 'decline' };
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      const before = sshd.countCalls(/^docker kill/);
      const result = await client.callTool({
        name: 'run_command',
        arguments: { device: 'mcp-dev', command: 'docker kill $(docker ps -q)' },
      });
      const declined = text(result);
      assert.equal(declined.cancelled_by_user, true);
      assert.equal(declined.operation.state, 'cancelled');
      const phrase = /type exactly: (.+)\n/.exec(asked[0]!)![1]!;
      assert.ok(!JSON.stringify(result).includes(phrase));
      assert.equal(sshd.countCalls(/^docker kill/) - before, 0);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('/mcp answers a body that is not JSON with a JSON-RPC parse error, and a request without a session with 400', async () => {
    const bad = await fetch(sys.mcpUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc": ',
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, -32700);
    const noSession = await fetch(sys.mcpUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(noSession.status, 400);
    const unknown = await fetch(sys.mcpUrl!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(unknown.status, 404);
  });
});
