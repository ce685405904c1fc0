import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, testEnv, uniqueName } from '../support/stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('MCP over stdio (npm run mcp:stdio) against a running system', () => {
  let sshd: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    sys = await startTestSystem();
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('an agent adds a device and reads fresh metrics through the stdio server', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(root, 'app', 'mcp-stdio.ts')],
      cwd: root,
      env: {
        ...(process.env as Record<string, string>),
        TEMPORAL_ADDRESS: testEnv().temporalAddress,
        DATABASE_URL: sys.databaseUrl,
        INFRA_INSTANCE: sys.instance,
        LOG_LEVEL: 'error',
      },
      stderr: 'pipe',
    });
    const client = new McpClient({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const text = (r: unknown) => JSON.parse((r as { content: Array<{ text: string }> }).content[0]!.text);
      const added = await client.callTool({
        name: 'add_device',
        arguments: {
          hostname: 'stdio-dev',
          address: '127.0.0.1',
          port: sshd.port,
          username: sshd.username,
          identity_file: sshd.clientKeyPath,
        },
      });
      assert.ok(!added.isError, JSON.stringify(added.content));
      const metrics = text(await client.callTool({ name: 'get_metrics', arguments: { device: 'stdio-dev' } }));
      assert.equal(metrics.from_cache, false);
      assert.ok(metrics.data.load.load_1 >= 0);
      const audit = await sys.db
        .selectFrom('audit_log')
        .select('trigger')
        .where('hostname', '=', 'stdio-dev')
        .where('action', '=', 'read')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.trigger),
        ['mcp'],
      );
    } finally {
      await client.close();
    }
  });
});
