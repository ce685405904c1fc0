import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningSystem } from '../../app/system.ts';
import { LOCAL_OWNER } from '../../schema/api-token.ts';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runCli } from '../support/cli.ts';
import { installComposeStandIn } from '../support/compose-stand-in.ts';
import { apiRequest } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { freePort } from '../support/ports.ts';
import { devicePasswdEntry, startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * Issue 19: compose stacks as managed, reversible operations, on a real sshd whose `docker` keeps its
 * containers and images across calls and whose `docker compose config` is the real Compose binary.
 */
describe('compose stacks: deploy, revert a bad update, refuse a taken port, hold a removal', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let admin: string;
  let agent: { token: string; id: string };
  let person: { token: string; id: string };
  let stacksDir: string;
  let webPort: number;

  const call = (method: string, route: string, token: string | null, body?: unknown) =>
    apiRequest(sys.apiUrl!, method, route, body, { token });
  const createToken = async (name: string, scopes: string[]) => {
    const created = await call('POST', '/api/tokens', admin, { name, scopes });
    assert.equal(created.status, 201, created.text);
    return { token: created.body.token as string, id: `token:${created.body.id as string}` };
  };
  const stack = async (name: string) => {
    const list = await call('GET', '/api/devices/dock/stacks?force_refresh=true', agent.token);
    assert.equal(list.status, 200, list.text);
    return (
      list.body.stacks as Array<{
        name: string;
        state: string;
        services: Array<{ name: string; image: string; image_id: string }>;
      }>
    ).find((s) => s.name === name);
  };
  const composeCalls = () => sshd.countCalls(/^docker compose .* (pull|up|down)\b/);
  const versions = async (file: string) =>
    await sys.db
      .selectFrom('config_snapshots')
      .select(['change_type', 'content'])
      .where('hostname', '=', 'dock')
      .where('path', '=', file)
      .orderBy('id')
      .execute();

  const whoami = (port: number) => `# whoami, for the stack tests
services:
  web:
    image: traefik/whoami:v1.10
    ports:
      - "${port}:80"
    healthcheck:
      test: ["CMD", "/whoami", "--help"]
`;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installComposeStandIn(sshd);
    stacksDir = path.join(path.dirname(sshd.binDir), 'stacks');
    mkdirSync(stacksDir, { recursive: true });
    const { uid, gid } = devicePasswdEntry();
    chownSync(stacksDir, uid, gid);
    webPort = await freePort();
    sys = await startTestSystem({ requireDistinctConfirmer: true, confirmationTimeoutSeconds: 60 });
    admin = (
      await sys.tokens.create({ name: 'owner', scopes: ['admin', 'confirm'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    agent = await createToken('claude', ['read', 'operate']);
    person = await createToken('alice', ['read', 'confirm']);
    const device = {
      hostname: 'dock',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
      monitoring_enabled: false,
    };
    assert.equal((await call('POST', '/api/devices', admin, device)).status, 201);
    const patched = await call('PATCH', '/api/devices/dock', admin, { stacks_dir: stacksDir });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.stacks_dir, stacksDir);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('deploy writes the file into the stacks directory, brings every service up, and records the version and the principal', async () => {
    const deployed = await call('POST', '/api/devices/dock/stacks', agent.token, {
      name: 'whoami',
      compose: whoami(webPort),
      deadline_seconds: 60,
    });
    assert.equal(deployed.status, 201, deployed.text);
    const view = deployed.body.stack;
    assert.equal(view.phase, 'completed');
    assert.equal(view.file, `${stacksDir}/whoami/compose.yaml`);
    assert.deepEqual(view.services, [{ service: 'web', ok: true, detail: 'running (healthy)' }]);
    assert.equal(readFileSync(view.file, 'utf8'), whoami(webPort));
    assert.equal((await stack('whoami'))?.state, 'running');
    assert.deepEqual(
      (await versions(view.file)).map((v) => v.change_type),
      ['CREATE'],
    );
    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['action', 'principal', 'status'])
      .where('workflow_id', '=', view.workflow_id)
      .where('action', '=', 'stack_operation')
      .execute();
    assert.deepEqual(audit, [{ action: 'stack_operation', principal: agent.id, status: 'success' }]);
    const steps = await sys.db
      .selectFrom('operations')
      .select(['command', 'requested_by', 'state'])
      .where('id', 'in', view.operation_ids)
      .execute();
    assert.ok(
      steps.some((s) => /docker compose -p 'whoami' .* 'up' '-d'/.test(s.command)),
      JSON.stringify(steps),
    );
    assert.ok(steps.every((s) => s.requested_by === agent.id && s.state === 'completed'));

    writeFileSync(`${stacksDir}/whoami/.env`, 'DB_PASSWORD=hunter2\nexport TZ=UTC\n# a comment\n');
    const shown = await call('GET', '/api/devices/dock/stacks/whoami', agent.token);
    assert.deepEqual(shown.body.stack.env_files, [{ path: `${stacksDir}/whoami/.env`, keys: ['DB_PASSWORD', 'TZ'] }]);
    assert.ok(!shown.text.includes('hunter2'), 'env values never leave the device');
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.stack.file.path, view.file);
    assert.match(shown.body.stack.file.content, /traefik\/whoami:v1\.10/);
    const imageId = shown.body.stack.services[0].image_id as string;
    assert.match(shown.body.stack.digests[imageId][0], /^traefik\/whoami@sha256:[0-9a-f]{64}$/);
  });

  test('an update to a tag that never comes up is reverted to the previous file and digests, and explained', async () => {
    const file = `${stacksDir}/whoami/compose.yaml`;
    const original = readFileSync(file, 'utf8');
    const before = await stack('whoami');
    const bumped = await call('PATCH', '/api/devices/dock/stacks/whoami', agent.token, {
      patch: { services: { web: { tag: 'broken' } } },
      deadline_seconds: 30,
    });
    assert.equal(bumped.status, 502, bumped.text);
    assert.equal(bumped.body.error.code, 'update_reverted');
    assert.match(
      bumped.body.error.message,
      /web exited with code 1; the previous file and image digests were restored and the stack runs again/,
    );
    const view = bumped.body.error.details.stack;
    assert.equal(view.phase, 'reverted');
    assert.match(view.error.logs, /fatal: configuration version 2 is not supported/);
    assert.match(view.diff.text, /-    image: traefik\/whoami:v1\.10\n\+    image: traefik\/whoami:broken/);
    assert.equal(view.impact.risk_level, 'MEDIUM');
    assert.deepEqual(view.digests.after, view.digests.before);
    assert.match(view.digests.before.web, /^traefik\/whoami@sha256:/);

    assert.equal(readFileSync(file, 'utf8'), original);
    const after = await stack('whoami');
    assert.equal(after?.state, 'running');
    assert.equal(after?.services[0]?.image_id, before?.services[0]?.image_id, 'the same image as before the update');
    assert.ok(
      !existsSync(`${stacksDir}/whoami/.infra-pinned-images.yaml`) &&
        !existsSync(`${stacksDir}/whoami/.infra-next.compose.yaml`),
    );
    const history = await versions(file);
    assert.deepEqual(
      history.map((v) => v.change_type),
      ['CREATE', 'MODIFY', 'MODIFY'],
    );
    assert.match(history[1]!.content!, /whoami:broken/);
    assert.equal(history[2]!.content, original);
  });

  test('from the CLI: a good tag bump runs on the new image, and pull moves the stack to the newest digest', async () => {
    process.env.INFRA_API_TOKEN = agent.token;
    try {
      const bumped = await runCli(
        sys.apiUrl!,
        'stacks',
        'update',
        'dock',
        'whoami',
        '--tag',
        'web=v1.11',
        '--deadline',
        '60',
      );
      assert.equal(bumped.code, 0, bumped.stderr);
      assert.match(bumped.stderr, /\+    image: traefik\/whoami:v1\.11/);
      const [, from, to] = /web: (\S+) -> (\S+)/.exec(bumped.stderr) ?? [];
      assert.ok(from && to && from !== to, bumped.stderr);
      assert.match(bumped.stderr, /update: completed/);
      assert.equal((await stack('whoami'))?.services[0]?.image, 'traefik/whoami:v1.11');

      const pulled = await runCli(sys.apiUrl!, 'stacks', 'pull', 'dock', 'whoami');
      assert.equal(pulled.code, 0, pulled.stderr);
      const [, before, after] = /web: (\S+) -> (\S+)/.exec(pulled.stderr) ?? [];
      assert.equal(before, to, 'pull starts from the running digest');
      assert.ok(after && after !== before, pulled.stderr);

      const listed = await runCli(sys.apiUrl!, 'stacks', 'list', 'dock');
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(JSON.parse(listed.stdout).stacks[0].name, 'whoami');
      const failed = await runCli(
        sys.apiUrl!,
        'stacks',
        'update',
        'dock',
        'whoami',
        '--tag',
        'web=broken',
        '--deadline',
        '30',
      );
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /fatal: configuration version 2/);
      assert.match(
        failed.stderr,
        /update reverted: update_reverted: web exited with code 1; the previous file and image digests were restored/,
      );
      const wrong = await runCli(sys.apiUrl!, 'stacks', 'update', 'dock', 'whoami', '--tag', 'v1.12');
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /--tag "v1\.12": expected SERVICE=TAG/);
    } finally {
      delete process.env.INFRA_API_TOKEN;
    }
  });

  test('a host port something listens on is refused before anything is written or run', async () => {
    const calls = composeCalls();
    const taken = await call('POST', '/api/devices/dock/stacks', agent.token, {
      name: 'clash',
      compose: whoami(sshd.port),
    });
    assert.equal(taken.status, 409, taken.text);
    assert.equal(taken.body.error.code, 'port_conflict');
    assert.match(
      taken.body.error.message,
      new RegExp(`${sshd.port}/tcp \\(service web\\) by process sshd|${sshd.port}/tcp \\(service web\\) by a process`),
    );
    assert.ok(!existsSync(`${stacksDir}/clash`), 'nothing written');

    const external = `${whoami(webPort + 1)}    networks: [proxy]\nnetworks:\n  proxy:\n    external: true\n`;
    const unknown = await call('POST', '/api/devices/dock/stacks', agent.token, {
      name: 'behind-proxy',
      compose: external,
    });
    assert.equal(unknown.status, 409, unknown.text);
    assert.equal(unknown.body.error.code, 'missing_network');
    assert.match(unknown.body.error.message, /external network proxy not found on dock/);
    assert.ok(!existsSync(`${stacksDir}/behind-proxy`), 'nothing written');
    assert.equal(composeCalls(), calls, 'nothing run');
    const networks = await call('GET', '/api/devices/dock/docker_networks?force_refresh=true', agent.token);
    assert.equal(networks.status, 200, networks.text);
    assert.deepEqual(
      networks.body.data.networks
        .find((n: { name: string }) => n.name === 'whoami_default')
        ?.containers.map((c: { name: string }) => c.name),
      ['whoami-web-1'],
    );
  });

  test('names that are shell commands, .. paths and YAML bombs are refused with nothing written', async () => {
    const calls = composeCalls();
    const named = await call('POST', '/api/devices/dock/stacks', agent.token, {
      name: 'x;touch /tmp/pwned',
      compose: whoami(webPort + 1),
    });
    assert.equal(named.status, 400, named.text);
    const bomb = [
      'x-a: &a ["l","l","l","l","l","l","l","l","l","l"]',
      'x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'services:',
      '  web:',
      '    image: nginx',
      '    command: *c',
      '',
    ].join('\n');
    const bombed = await call('POST', '/api/devices/dock/stacks', agent.token, { name: 'bomb', compose: bomb });
    assert.equal(bombed.status, 400, bombed.text);
    assert.equal(bombed.body.error.code, 'yaml_bomb');
    const escape = await call('POST', '/api/devices/dock/stacks', agent.token, {
      name: 'escape',
      compose: 'services:\n  web:\n    image: nginx\n    volumes:\n      - ../../../etc:/host\n',
    });
    assert.equal(escape.status, 400, escape.text);
    assert.equal(escape.body.error.code, 'unsafe_path');
    const sneaky = await call('PATCH', '/api/devices/dock/stacks/whoami', agent.token, {
      patch: { services: { web: { tag: '1;reboot' } } },
    });
    assert.equal(sneaky.status, 400, sneaky.text);
    assert.equal(sneaky.body.error.code, 'unsafe_name');
    assert.ok(!existsSync(`${stacksDir}/bomb`) && !existsSync(`${stacksDir}/escape`));
    assert.equal(composeCalls(), calls);
  });

  test("a deploy whose service never comes up is taken away again, with the reason and the service's logs", async () => {
    const failed = await call('POST', '/api/devices/dock/stacks', agent.token, {
      name: 'flaky',
      compose: 'services:\n  app:\n    image: traefik/whoami:broken\n',
      deadline_seconds: 30,
    });
    assert.equal(failed.status, 502, failed.text);
    assert.equal(failed.body.error.code, 'deploy_failed');
    assert.match(failed.body.error.message, /^app exited with code 1; what the deploy created was removed$/);
    assert.match(failed.body.error.details.stack.error.logs, /fatal: configuration version 2/);
    assert.equal(await stack('flaky'), undefined);
    assert.ok(!existsSync(`${stacksDir}/flaky`));
    assert.deepEqual(
      (await versions(`${stacksDir}/flaky/compose.yaml`)).map((v) => v.change_type),
      ['CREATE', 'DELETE'],
    );
  });

  test('an update that takes a published port away is held with its diff and impact; withdrawn, it changes nothing', async () => {
    const file = `${stacksDir}/whoami/compose.yaml`;
    const before = readFileSync(file, 'utf8');
    const otherPort = await freePort();
    const held = await call('PATCH', '/api/devices/dock/stacks/whoami', agent.token, {
      patch: { services: { web: { ports: [`${otherPort}:80`], environment: { DB_PASSWORD: 's3cret-value' } } } },
    });
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.equal(held.body.stack.impact.risk_level, 'HIGH');
    assert.match(held.body.stack.diff.text, new RegExp(`-      - "${webPort}:80"\\n\\+      - "${otherPort}:80"`));
    assert.match(held.body.stack.diff.text, /\+      DB_PASSWORD: «redacted: value changed»/);
    const id = held.body.operation_id as string;
    const asPerson = await call('GET', `/api/operations/${id}`, person.token);
    assert.match(
      asPerson.body.assessment.reasons[0],
      new RegExp(
        `^replaces stack whoami: service web: .*clients using host port ${webPort} lose access.*Diff \\(\\+3 -1\\)`,
        's',
      ),
    );
    assert.ok(
      !held.text.includes('s3cret-value') && !asPerson.text.includes('s3cret-value'),
      'a secret value is in no answer',
    );
    assert.equal(readFileSync(file, 'utf8'), before, 'nothing replaced while held');

    const withdrawn = await call('POST', `/api/operations/${id}/cancel`, agent.token, {});
    assert.equal(withdrawn.status, 200, withdrawn.text);
    await waitFor('the staged version to be gone', () => !existsSync(`${stacksDir}/whoami/.infra-next.compose.yaml`), {
      timeoutMs: 10_000,
    });
    assert.equal(readFileSync(file, 'utf8'), before);
    assert.equal((await stack('whoami'))?.state, 'running');
  });

  test('over MCP: stacks and listening ports as structured content, changes need the operate scope', async () => {
    const client = new McpClient({ name: 'stacks-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
        requestInit: { headers: { authorization: `Bearer ${agent.token}` } },
      }),
    );
    try {
      const tools = Object.fromEntries((await client.listTools()).tools.map((t) => [t.name, t]));
      for (const name of ['list_stacks', 'get_stack', 'deploy_stack', 'update_stack', 'pull_stack', 'remove_stack'])
        assert.ok(tools[name]?.outputSchema, `${name} has an output schema`);
      assert.equal(tools.get_ports?.annotations?.readOnlyHint, true, 'get_ports follows from the registry');
      assert.equal(tools.list_stacks!.annotations?.readOnlyHint, true);
      assert.equal(tools.remove_stack!.annotations?.readOnlyHint, false);
      assert.equal(tools.remove_stack!.annotations?.destructiveHint, true);

      const listed = await client.callTool({ name: 'list_stacks', arguments: { device: 'dock' } });
      assert.ok(!listed.isError, JSON.stringify(listed.content));
      const stacks = (listed.structuredContent as { stacks: Array<{ name: string; state: string }> }).stacks;
      assert.deepEqual(
        stacks.map((s) => [s.name, s.state]),
        [['whoami', 'running']],
      );

      const ports = await client.callTool({ name: 'get_ports', arguments: { device: 'dock', force_refresh: true } });
      assert.ok(!ports.isError, JSON.stringify(ports.content));
      const data = (ports.structuredContent as { data: { ports: Array<{ port: number; protocol: string }> } }).data;
      assert.ok(
        data.ports.some((p) => p.port === sshd.port && p.protocol === 'tcp'),
        "the device's own sshd listens",
      );

      const bad = await client.callTool({
        name: 'deploy_stack',
        arguments: { device: 'dock', name: 'Bad Name', compose: 'services: {}' },
      });
      assert.equal(bad.isError, true);
    } finally {
      await client.close();
    }
  });

  test('remove is held until a person confirms, then takes the stack and its directory away', async () => {
    const held = await call('POST', '/api/devices/dock/stacks/whoami/remove', agent.token, {});
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.equal(held.body.confirmation_required.phrase, undefined, 'the requester never sees the phrase');
    const id = held.body.operation_id as string;
    const asPerson = await call('GET', `/api/operations/${id}`, person.token);
    assert.match(asPerson.body.assessment.reasons[0], /^removes stack whoami: downtime: services web stop/);
    assert.equal((await stack('whoami'))?.state, 'running', 'nothing removed before the phrase');
    assert.equal(
      (await call('POST', `/api/operations/${id}/confirm`, agent.token, { phrase: asPerson.body.confirmation_phrase }))
        .status,
      403,
    );

    const released = await call('POST', `/api/operations/${id}/confirm`, person.token, {
      phrase: asPerson.body.confirmation_phrase,
    });
    assert.equal(released.status, 200, released.text);
    await waitFor(
      'the stack and its folder to be gone',
      async () => ({ listed: await stack('whoami'), folder: existsSync(`${stacksDir}/whoami`) }),
      {
        until: ({ listed, folder }) => listed === undefined && !folder,
        intervalMs: 200,
      },
    );
    const history = await versions(`${stacksDir}/whoami/compose.yaml`);
    assert.equal(history.at(-1)?.change_type, 'DELETE');
  });
});
