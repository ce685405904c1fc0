import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiRequest, getWithHost } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/** The answer with its JSON body as parsed (shapes are asserted field by field); a string body is sent as it is. */
function call(
  base: string,
  method: string,
  route: string,
  { token, body, headers }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return typeof body === 'string'
    ? apiRequest(base, method, route, undefined, { token, headers, rawBody: body })
    : apiRequest(base, method, route, body, { token, headers });
}

describe('security of the fronts: tokens and scopes, Host checks, rate limits, CORS, size limits, injection', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;
  let admin = '';
  let reader = '';
  let operator = '';

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem({ configWatchEnabled: true });
    api = sys.apiUrl!;
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('open on loopback until the first token exists; then every API request needs one', async () => {
    assert.equal((await call(api, 'GET', '/api/devices')).status, 200);
    const created = await call(api, 'POST', '/api/tokens', { body: { name: 'ops-admin', scope: 'admin' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    admin = created.body!.token;
    assert.match(admin, /^infra_[A-Za-z0-9_-]{43}$/);
    const rows = await sys.db.selectFrom('api_tokens').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.token_sha256, admin, 'only a hash is stored');
    assert.ok(!JSON.stringify(rows).includes(admin.slice(6)), 'the token appears nowhere in the table');

    const anonymous = await call(api, 'GET', '/api/devices');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body!.error.code, 'unauthorized');
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await call(api, 'GET', '/api/devices', { token: 'infra_wrong' })).status, 401);
    assert.equal((await call(api, 'GET', '/api/devices', { token: admin })).status, 200);
    assert.equal((await call(api, 'GET', '/health')).status, 200, 'health stays open for container health checks');
    const listed = await call(api, 'GET', '/api/tokens', { token: admin });
    assert.ok(!JSON.stringify(listed.body).includes(admin), 'listing never shows a token');
  });

  test('scopes: read reads, operate acts, admin manages devices and tokens; revoked tokens stop working', async () => {
    reader = (await call(api, 'POST', '/api/tokens', { token: admin, body: { name: 'grafana', scope: 'read' } })).body!
      .token;
    operator = (await call(api, 'POST', '/api/tokens', { token: admin, body: { name: 'agent', scope: 'operate' } }))
      .body!.token;
    const device = {
      hostname: 'box',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    };

    const denied = await call(api, 'POST', '/api/devices', { token: operator, body: device });
    assert.equal(denied.status, 403);
    assert.equal(denied.body!.error.code, 'insufficient_scope');
    assert.equal((await call(api, 'POST', '/api/devices', { token: admin, body: device })).status, 201);

    assert.equal((await call(api, 'GET', '/api/devices/box/metrics', { token: reader })).status, 200);
    const readExec = await call(api, 'POST', '/api/devices/box/exec', { token: reader, body: { command: 'uptime' } });
    assert.equal(readExec.status, 403);
    const ran = await call(api, 'POST', '/api/devices/box/exec', {
      token: operator,
      body: { command: 'uptime' },
      headers: { 'x-infra-user': 'alice' },
    });
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    const op = await call(api, 'GET', `/api/operations/${ran.body!.operation_id}`, { token: reader });
    const operatorId = (await call(api, 'GET', '/api/tokens', { token: admin })).body!.tokens.find(
      (t: { name: string }) => t.name === 'agent',
    ).id;
    assert.deepEqual(
      op.body!.requested_by,
      { id: `token:${operatorId}`, name: 'agent', on_behalf_of: 'alice' },
      'the token is the identity: the header is only a note',
    );
    assert.equal(
      (await call(api, 'POST', '/api/tokens', { token: operator, body: { name: 'x', scope: 'admin' } })).status,
      403,
    );

    const grafana = (await call(api, 'GET', '/api/tokens', { token: admin })).body!.tokens.find(
      (t: { name: string }) => t.name === 'grafana',
    );
    assert.equal((await call(api, 'DELETE', `/api/tokens/${grafana.id}`, { token: admin })).status, 200);
    assert.equal((await call(api, 'GET', '/api/devices', { token: reader })).status, 401);
  });

  test('MCP over HTTP takes the same tokens, and each tool call needs the scope its annotations imply', async () => {
    const connect = async (token?: string) => {
      const client = new Client({ name: 'security-test', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
          requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
        }),
      );
      return client;
    };
    await assert.rejects(connect(), /401|unauthorized/i);
    const readOnly = await connect(
      (await call(api, 'POST', '/api/tokens', { token: admin, body: { name: 'mcp-read', scope: 'read' } })).body!.token,
    );
    assert.ok((await readOnly.listTools()).tools.length > 10);
    const metrics = await readOnly.callTool({ name: 'list_devices', arguments: {} });
    assert.notEqual(metrics.isError, true);
    await assert.rejects(
      readOnly.callTool({ name: 'run_command', arguments: { device: 'box', command: 'uptime' } }),
      /403|insufficient_scope/,
    );
    await readOnly.close();
    const agent = await connect(operator);
    const ran = await agent.callTool({ name: 'run_command', arguments: { device: 'box', command: 'uptime' } });
    assert.notEqual(ran.isError, true, JSON.stringify(ran.content));
    await assert.rejects(
      agent.callTool({ name: 'add_device', arguments: { hostname: 'other' } }),
      /403|insufficient_scope/,
    );
    await agent.close();
    // A NUL character in any argument is refused before the tool runs, as the HTTP API refuses it; nothing is stored.
    const manager = await connect(admin);
    const nul = await manager.callTool({
      name: 'add_device',
      arguments: { hostname: 'nul-test', location: 'rack\0 2' },
    });
    assert.equal(nul.isError, true);
    const refusal = JSON.parse((nul.content as Array<{ text: string }>)[0]!.text);
    assert.deepEqual(
      [refusal.error.code, refusal.error.details],
      ['validation_error', [{ path: 'arguments.location', message: 'must not contain a NUL character' }]],
    );
    assert.equal(
      await sys.db.selectFrom('devices').select('id').where('hostname', '=', 'nul-test').executeTakeFirst(),
      undefined,
    );
    await manager.close();
  });

  test('a foreign Host header (DNS rebinding) is refused; no CORS header is ever sent; oversized bodies are a 413', async () => {
    const evil = await getWithHost(api, '/api/devices', 'attacker.example:9101');
    assert.equal(evil.status, 403);
    assert.match(evil.text, /host_not_allowed/);
    assert.equal(
      (await getWithHost(api, '/api/devices', `localhost:${new URL(api).port}`)).status,
      401,
      'localhost passes the Host check and meets the token check',
    );
    // MCP's HTTP front sits behind the same guard, and refuses in the same words.
    const evilMcp = await getWithHost(sys.mcpUrl!, '', 'attacker.example:9102');
    assert.equal(evilMcp.status, 403);
    assert.match(evilMcp.text, /host_not_allowed/);
    assert.equal(
      (await getWithHost(sys.mcpUrl!, '', `localhost:${new URL(sys.mcpUrl!).port}`)).status,
      401,
      "localhost passes MCP's Host check and meets the token check",
    );
    const cross = await call(api, 'GET', '/api/devices', {
      token: admin,
      headers: { origin: 'https://attacker.example' },
    });
    assert.equal(cross.status, 200);
    assert.equal(cross.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${api}/api/devices`, {
      method: 'OPTIONS',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const big = await call(api, 'POST', '/api/devices/box/exec', {
      token: operator,
      body: JSON.stringify({ command: 'x'.repeat(1_100_000) }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.body!.error.code, 'entity_too_large');
  });

  test('hostile names and paths never reach a shell', async () => {
    const before = sshd.countCalls(/./);
    for (const hostname of ['box;reboot', '$(reboot)', 'a b', '../etc']) {
      const res = await call(api, 'POST', '/api/devices', {
        token: admin,
        body: { hostname, address: '127.0.0.1', username: 'x' },
      });
      assert.equal(res.status, 400, hostname);
    }
    for (const name of ['web;reboot', '$(id)', '`id`', '-rf']) {
      assert.equal(
        (
          await call(api, 'POST', '/api/devices/box/containers/actions', {
            token: operator,
            body: { action: 'stop', containers: [name] },
          })
        ).status,
        400,
        name,
      );
      assert.equal(
        (
          await call(api, 'POST', '/api/devices/box/maintenance', {
            token: operator,
            body: { enable: true, keep: [name] },
          })
        ).status,
        400,
        name,
      );
    }
    assert.equal(sshd.countCalls(/./), before, 'nothing reached the device');
    // A path is a legal file name whatever it holds: it is discovered, hashed, watched and read — quoted
    // every time, never run. The file exists, so its first version proves every script saw the path.
    const marker = uniqueName('pwned');
    const dir = testDir(uniqueName('hostile'));
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const path = `${dir}/x'; echo ${marker} >> "$INFRA_TEST_EXEC_LOG"; echo 'y`;
    writeFileSync(path, 'listen 80;\n', { mode: 0o644 });
    try {
      const watched = await call(api, 'POST', '/api/devices/box/config/watch-paths', {
        token: operator,
        body: { path },
      });
      assert.ok(watched.status === 200 || watched.status === 201, JSON.stringify(watched.body));
      const stored = await waitFor(
        'the file read through its hostile name',
        () => sys.db.selectFrom('config_snapshots').select('id').where('path', '=', path).execute(),
        {
          until: (rows) => rows.length > 0,
          intervalMs: 200,
        },
      );
      assert.equal(stored.length, 1, 'the file was read through its hostile name');
      assert.equal(sshd.countCalls(new RegExp(marker)), 0, 'the path was quoted, not executed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a rate limit answers 429 with Retry-After once a client sends too many requests in a minute', async () => {
    const limited = await startTestSystem({ security: { rateLimitPerMinute: 5, allowedHosts: [], adminToken: null } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await call(limited.apiUrl!, 'GET', '/api/devices')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      const res = await call(limited.apiUrl!, 'GET', '/api/devices');
      assert.equal(res.body!.error.code, 'rate_limited');
      assert.ok(Number(res.headers.get('retry-after')) > 0);
    } finally {
      await limited.stop();
    }
  });

  test('listening beyond loopback without any token is refused at start; a bootstrap admin token requires tokens at once', async () => {
    // Refused before anything listens: no port is opened beyond loopback.
    await assert.rejects(
      startTestSystem({ bindAddress: '0.0.0.0' }),
      /not loopback and no API token exists: set INFRA_ADMIN_TOKEN/,
    );
    const bootstrap = 'b'.repeat(40);
    const guarded = await startTestSystem({
      security: { rateLimitPerMinute: 0, allowedHosts: [], adminToken: bootstrap },
    });
    try {
      assert.equal(
        (await call(guarded.apiUrl!, 'GET', '/api/devices')).status,
        401,
        'with a bootstrap token set, tokens are required before any is created',
      );
      assert.equal((await call(guarded.apiUrl!, 'GET', '/api/devices', { token: bootstrap })).status, 200);
      const created = await call(guarded.apiUrl!, 'POST', '/api/tokens', {
        token: bootstrap,
        body: { name: 'first-admin', scope: 'admin' },
      });
      assert.equal(created.status, 201);
      assert.equal(
        (await guarded.db.selectFrom('api_tokens').select('name').execute()).length,
        1,
        'the bootstrap token itself is never stored',
      );
    } finally {
      await guarded.stop();
    }
  });
});
