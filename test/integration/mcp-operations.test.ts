import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { buildServer } from '../../mcp/server.ts';
import type { RunningSystem } from '../../platform/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

const text = (r: unknown) => JSON.parse(((r as { content: Array<{ text: string }> }).content)[0]!.text);

describe('MCP run_command / confirm_operation / cancel_operation', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem();
    await sys.devices.create(
      { hostname: 'mcp-dev', address: '127.0.0.1', port: sshd.port, username: sshd.username, identity_file: sshd.clientKeyPath, auth_method: 'key', device_type: 'linux', tags: [], location: null, description: null, monitoring_enabled: false },
      { trigger: 'api', correlationId: null },
    );
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('over Streamable HTTP: a safe command runs; a destructive one is held, then confirmed with the phrase', async () => {
    const client = new McpClient({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(sys.mcpUrl!)));
    try {
      const safe = text(await client.callTool({ name: 'run_command', arguments: { device: 'mcp-dev', command: 'echo from-mcp' } }));
      assert.equal(safe.stdout, 'from-mcp\n');
      const held = text(await client.callTool({ name: 'run_command', arguments: { device: 'mcp-dev', command: 'docker stop $(docker ps -q)' } }));
      assert.equal(held.status, 'DESTRUCTIVE_ACTION_BLOCKED');
      assert.equal(sshd.countCalls(/^docker stop/), 0);
      const wrong = text(await client.callTool({ name: 'confirm_operation', arguments: { operation_id: held.operation_id, phrase: 'please' } }));
      assert.equal(wrong.accepted, false);
      assert.equal(wrong.attempts_left, 2);
      const done = text(await client.callTool({ name: 'confirm_operation', arguments: { operation_id: held.operation_id, phrase: held.confirmation_required.phrase } }));
      assert.equal(done.exit_code, 0);
      assert.equal(sshd.countCalls(/^docker stop/), 1);
      const op = await sys.operations.get(held.operation_id);
      // Stateless HTTP: each request is its own MCP session, so the client's name is not known here.
      assert.equal(op.requested_by, 'mcp:agent');
    } finally {
      await client.close();
    }
  });

  test('with elicitation, the human is asked for the phrase directly; a wrong answer is asked again', async () => {
    const server = buildServer(sys);
    const client = new McpClient({ name: 'elicit-agent', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    let answers = ['wrong phrase'];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String(req.params.message));
      const phrase = /type exactly: (.+)\n/.exec(String(req.params.message))![1]!;
      const next = answers.shift() ?? phrase;
      return { action: 'accept', content: { phrase: next } };
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      const before = sshd.countCalls(/^docker kill/);
      const res = text(await client.callTool({ name: 'run_command', arguments: { device: 'mcp-dev', command: 'docker kill $(docker ps -q)' } }));
      assert.equal(res.exit_code, 0, JSON.stringify(res));
      assert.equal(asked.length, 2);
      assert.match(asked[1]!, /wrong phrase; 2 attempt/);
      assert.equal(sshd.countCalls(/^docker kill/) - before, 1);

      answers = [];
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
      const declined = text(await client.callTool({ name: 'run_command', arguments: { device: 'mcp-dev', command: 'docker kill $(docker ps -q)' } }));
      assert.equal(declined.cancelled_by_user, true);
      assert.equal(declined.operation.state, 'cancelled');
      assert.equal(sshd.countCalls(/^docker kill/) - before, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
