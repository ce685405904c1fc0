import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { renderProxyConf } from '../../domain/proxy/proxy-conf-template.ts';
import type { RunningSystem } from '../../app/system.ts';
import { LOCAL_OWNER } from '../../schema/api-token.ts';
import { ProxyConfRequest, type ProxyConfView } from '../../schema/proxy-conf.ts';
import { runCli } from '../support/cli.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiRequest } from '../support/http.ts';
import { installNginxStandIn, type NginxStandIn } from '../support/nginx-stand-in.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

/**
 * Proxy confs on a real sshd with a SWAG-like proxy (test/support/nginx-stand-in.ts) and the docker
 * stand-in's containers (grafana running, old-backup exited): an agent asks, a person releases what
 * replaces or removes, the config history keeps every version.
 */
describe('reverse-proxy confs: written, validated, reloaded, checked, and undone on failure', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let proxy: NginxStandIn;
  let agent: string;
  let agentId: string;
  let person: string;

  const call = (method: string, route: string, token: string, body?: unknown) =>
    apiRequest(sys.apiUrl!, method, route, body, { token });
  const create = (fields: Record<string, unknown>) =>
    call('POST', '/api/devices/nas01/proxy-confs', agent, { conf_dir: proxy.confDir, upstream_port: 3000, ...fields });
  const file = (name: string) => path.join(proxy.confDir, name);
  const versions = (name: string) =>
    sys.db
      .selectFrom('config_snapshots')
      .select(['id', 'change_type', 'content'])
      .where('path', '=', file(name))
      .orderBy('id')
      .execute();
  /** A person reads the held operation's phrase and types it. */
  const release = async (operationId: string) => {
    const held = await call('GET', `/api/operations/${operationId}`, person);
    assert.equal(held.body.state, 'awaiting_confirmation', held.text);
    const confirmed = await call('POST', `/api/operations/${operationId}/confirm`, person, {
      phrase: held.body.confirmation_phrase,
    });
    assert.equal(confirmed.status, 200, confirmed.text);
  };
  const finished = (workflowId: string) => sys.client.workflow.getHandle(workflowId).result() as Promise<ProxyConfView>;
  /** Audit rows of the newest run of a conf's workflow (one workflow id per conf, reused by the next change). */
  const lastRunAudit = async (workflowId: string) => {
    const rows = await sys.db
      .selectFrom('audit_log')
      .select(['action', 'principal', 'status'])
      .where('workflow_id', '=', workflowId)
      .orderBy('id')
      .execute();
    return rows.slice(rows.map((r) => r.action).lastIndexOf('proxy_conf_requested'));
  };
  const rendered = (fields: Record<string, unknown>) =>
    renderProxyConf(ProxyConfRequest.parse({ upstream_port: 3000, ...fields })).content;

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    proxy = installNginxStandIn(sshd);
    sys = await startTestSystem({ requireDistinctConfirmer: true, confirmationTimeoutSeconds: 60 });
    const admin = (
      await sys.tokens.create({ name: 'owner', scopes: ['admin', 'confirm'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    ({ token: agent, id: agentId } = await sys.tokens.create(
      { name: 'claude', scopes: ['read', 'operate'], expires_in_days: null },
      LOCAL_OWNER,
    ));
    person = (
      await sys.tokens.create({ name: 'alice', scopes: ['read', 'confirm'], expires_in_days: null }, LOCAL_OWNER)
    ).token;
    const device = {
      hostname: 'nas01',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
      monitoring_enabled: false,
    };
    assert.equal((await call('POST', '/api/devices', admin, device)).status, 201);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('a new conf is written, validated by nginx -t, reloaded and answers; both steps are audited with the agent as principal', async () => {
    proxy.setUpstreams({ grafana: 302 });
    const created = await create({ name: 'grafana', upstream_app: 'grafana' });
    assert.equal(created.status, 200, created.text);
    const view = created.body.proxy_conf as ProxyConfView;
    assert.equal(view.phase, 'completed');
    assert.deepEqual(view.proxy, { mode: 'host', container: null, conf_dir: proxy.confDir });
    assert.equal(view.validation?.command, 'nginx -t');
    assert.match(view.validation?.output ?? '', /syntax is ok/);
    assert.equal(view.reload?.ok, true);
    assert.deepEqual(view.answer, {
      url: 'https://127.0.0.1/',
      host: 'grafana.localhost',
      checked: true,
      status: 302,
      answering: true,
      detail: 'answered 302',
    });
    assert.equal(view.replaces, false);
    assert.equal(
      readFileSync(file('grafana.subdomain.conf'), 'utf8'),
      rendered({ name: 'grafana', upstream_app: 'grafana' }),
    );
    assert.deepEqual(
      (await versions('grafana.subdomain.conf')).map((v) => [v.id, v.change_type]),
      [[view.new_snapshot_id, 'CREATE']],
    );
    assert.equal(sshd.countCalls(/^nginx -s reload$/), 1);

    // The new version's own row (config_change) sits between the request and the outcome.
    const audit = await lastRunAudit(view.workflow_id);
    assert.deepEqual(
      audit.map((a) => [a.action, a.status]),
      [
        ['proxy_conf_requested', 'success'],
        ['config_change', 'success'],
        ['proxy_conf_changed', 'success'],
      ],
    );
    const principals = new Set(audit.filter((a) => a.action.startsWith('proxy_conf_')).map((a) => a.principal));
    assert.deepEqual([...principals], [`token:${agentId}`], JSON.stringify(audit));

    // The same conf again changes nothing: no hold, no write, no reload.
    const again = await create({ name: 'grafana', upstream_app: 'grafana' });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.proxy_conf.validation, null);
    assert.equal(sshd.countCalls(/^nginx -s reload$/), 1);
  });

  test('replacing a conf is held until a person releases it; nginx -t then fails (no Authelia snippets) and the previous conf is back, every version in the history', async () => {
    const before = readFileSync(file('grafana.subdomain.conf'), 'utf8');
    const held = await create({ name: 'grafana', upstream_app: 'grafana', auth: 'authelia' });
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.equal(held.body.proxy_conf.phase, 'awaiting_confirmation');
    assert.match(
      held.body.command,
      /^mv -f -- '.*\/\.grafana\.subdomain\.conf\.infra-new' '.*\/grafana\.subdomain\.conf'$/,
    );
    assert.ok(
      held.body.risk_assessment.reasons.some((r: string) => /replaces the proxy conf/.test(r)),
      held.text,
    );
    assert.equal(held.body.confirmation_phrase, undefined, 'the requester never sees the phrase');
    assert.equal(readFileSync(file('grafana.subdomain.conf'), 'utf8'), before, 'nothing replaced while held');
    // The agent cannot release its own request.
    assert.notEqual(
      (await call('POST', `/api/operations/${held.body.operation_id}/confirm`, agent, { phrase: 'anything' })).status,
      200,
    );

    await release(held.body.operation_id);
    const view = await finished(held.body.proxy_conf.workflow_id);
    assert.equal(view.phase, 'reverted', JSON.stringify(view));
    assert.equal(view.error?.code, 'nginx_test_failed');
    assert.match(
      view.error?.message ?? '',
      /nginx: \[emerg\] open\(\) "\/config\/nginx\/authelia-server\.conf" failed \(2: No such file or directory\) in .*\/grafana\.subdomain\.conf:\d+/,
    );
    assert.match(view.error?.message ?? '', /the previous conf \(version \d+\) was put back and nginx reloaded/);
    assert.equal(readFileSync(file('grafana.subdomain.conf'), 'utf8'), before);
    assert.equal(existsSync(file('.grafana.subdomain.conf.infra-new')), false);
    const history = await versions('grafana.subdomain.conf');
    assert.deepEqual(
      history.map((v) => v.change_type),
      ['CREATE', 'MODIFY', 'MODIFY'],
    );
    assert.deepEqual(
      history.map((v) => v.content),
      [before, rendered({ name: 'grafana', upstream_app: 'grafana', auth: 'authelia' }), before],
    );
    const audit = await lastRunAudit(view.workflow_id);
    assert.deepEqual(
      audit.map((a) => [a.action, a.status]),
      [
        ['proxy_conf_requested', 'success'],
        ['config_change', 'success'],
        ['config_change', 'success'],
        ['proxy_conf_reverted', 'error'],
      ],
    );
  });

  test('a syntax error planted in another conf fails nginx -t in the SWAG container: the new conf is removed again and nginx says where', async () => {
    // An unbalanced brace, as a hand edit leaves it.
    writeFileSync(
      file('broken.subdomain.conf'),
      'server {\n    server_name broken.*;\n    location / {\n        return 200;\n    }\n    }\n}\n',
    );
    try {
      const created = await create({ name: 'jellyfin', upstream_app: 'grafana', proxy: { container: 'swag' } });
      assert.equal(created.status, 502, created.text);
      assert.equal(created.body.error.code, 'nginx_test_failed');
      const view = created.body.error.details.proxy_conf as ProxyConfView;
      assert.equal(view.phase, 'reverted');
      assert.equal(view.validation?.command, 'docker exec swag nginx -t');
      assert.equal(
        view.validation?.output,
        'nginx: [emerg] unexpected "}" in /config/nginx/proxy-confs/broken.subdomain.conf:7\nnginx: configuration file /config/nginx/nginx.conf test failed',
      );
      // nginx keeps serving its loaded config: the broken file is someone else's to fix.
      assert.match(
        view.error!.message,
        /the new conf was removed; reloading nginx failed too: nginx: \[emerg\] unexpected "}"/,
      );
      assert.equal(existsSync(file('jellyfin.subdomain.conf')), false);
      assert.deepEqual(
        (await versions('jellyfin.subdomain.conf')).map((v) => v.change_type),
        ['CREATE', 'DELETE'],
      );
    } finally {
      rmSync(file('broken.subdomain.conf'));
    }
  });

  test('a conf whose upstream does not answer (502 from the proxy) is undone', async () => {
    const created = await create({ name: 'backup', upstream_app: 'old-backup', upstream_port: 8000 });
    assert.equal(created.status, 502, created.text);
    assert.equal(created.body.error.code, 'not_answering');
    const view = created.body.error.details.proxy_conf as ProxyConfView;
    assert.deepEqual(view.answer, {
      url: 'https://127.0.0.1/',
      host: 'backup.localhost',
      checked: true,
      status: 502,
      answering: false,
      detail: 'the proxy answered 502: it cannot reach the upstream',
    });
    assert.equal(existsSync(file('backup.subdomain.conf')), false);
  });

  test('list: each conf with its upstream, and a broken-upstream insight for a missing or stopped container (also over MCP, structured)', async () => {
    // Placed by hand: one for a stopped container, one for a container that does not exist.
    writeFileSync(
      file('backup.subdomain.conf'),
      rendered({ name: 'backup', upstream_app: 'old-backup', upstream_port: 8000 }),
    );
    writeFileSync(
      file('photos.subfolder.conf'),
      rendered({ name: 'photos', kind: 'subfolder', upstream_app: 'immich', upstream_port: 2283 }),
    );
    try {
      const listed = await call(
        'GET',
        `/api/devices/nas01/proxy-confs?conf_dir=${encodeURIComponent(proxy.confDir)}`,
        agent,
      );
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(
        listed.body.confs.map(
          (c: { file: string; upstreams: Array<{ url: string; state: string; container_state: string | null }> }) => [
            c.file,
            c.upstreams.map((u) => `${u.url} ${u.state} ${u.container_state}`),
          ],
        ),
        [
          ['backup.subdomain.conf', ['http://old-backup:8000 not_running exited']],
          ['grafana.subdomain.conf', ['http://grafana:3000 running running']],
          ['photos.subfolder.conf', ['http://immich:2283 missing null']],
        ],
      );
      assert.deepEqual(
        listed.body.insights.map((i: { code: string; subject: string }) => `${i.code} ${i.subject}`),
        ['proxy_upstream_broken backup.subdomain.conf', 'proxy_upstream_broken photos.subfolder.conf'],
      );

      const client = new McpClient({ name: 'test-agent', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(sys.mcpUrl!), {
          requestInit: { headers: { authorization: `Bearer ${agent}` } },
        }),
      );
      try {
        const tool = await client.callTool({
          name: 'list_proxy_confs',
          arguments: { device: 'nas01', conf_dir: proxy.confDir },
        });
        assert.equal(tool.isError, undefined, JSON.stringify(tool));
        const structured = tool.structuredContent as { confs: Array<{ file: string }>; insights: unknown[] };
        assert.deepEqual(
          structured.confs.map((c) => c.file),
          ['backup.subdomain.conf', 'grafana.subdomain.conf', 'photos.subfolder.conf'],
        );
        assert.equal(structured.insights.length, 2);
        const refused = await client.callTool({
          name: 'create_proxy_conf',
          arguments: { device: 'nas01', name: 'x', upstream_app: 'a;reboot', upstream_port: 80 },
        });
        assert.equal(refused.isError, true);
        // A new conf over MCP: the workflow's view as structured content (checked against the tool's output schema by the SDK).
        const made = await client.callTool({
          name: 'create_proxy_conf',
          arguments: {
            device: 'nas01',
            name: 'metrics',
            kind: 'subfolder',
            upstream_app: 'grafana',
            upstream_port: 3000,
            conf_dir: proxy.confDir,
          },
        });
        assert.equal(made.isError, undefined, JSON.stringify(made));
        const view = (made.structuredContent as { proxy_conf: ProxyConfView }).proxy_conf;
        assert.equal(view.phase, 'completed');
        assert.deepEqual(view.answer, {
          url: 'https://127.0.0.1/metrics/',
          host: '127.0.0.1',
          checked: true,
          status: 302,
          answering: true,
          detail: 'answered 302',
        });
        rmSync(file('metrics.subfolder.conf'));
      } finally {
        await client.close();
      }

      // The CLI prints one line per conf and the insights.
      process.env.INFRA_API_TOKEN = agent;
      try {
        const cli = await runCli(sys.apiUrl!, 'proxy', 'list', 'nas01', '--conf-dir', proxy.confDir);
        assert.equal(cli.code, 0, cli.stderr);
        assert.match(
          cli.stdout,
          /^ {2}backup\.subdomain\.conf {2}backup\.\* \/ {2}→ http:\/\/old-backup:8000 \[not_running: exited\]$/m,
        );
        assert.match(
          cli.stdout,
          /^ {2}\[warning\] photos\.subfolder\.conf proxies to immich:2283, but no container immich exists$/m,
        );
        const usage = await runCli(sys.apiUrl!, 'proxy', 'add', 'nas01', 'x');
        assert.equal(usage.code, 2);
        assert.match(usage.stderr, /--upstream APP:PORT is required/);
      } finally {
        delete process.env.INFRA_API_TOKEN;
      }
    } finally {
      rmSync(file('backup.subdomain.conf'));
      rmSync(file('photos.subfolder.conf'));
    }
  });

  test('names that are shell commands and paths with ".." are refused before anything runs', async () => {
    const before = readdirSync(proxy.confDir).sort();
    const workflowsBefore = sshd.countCalls(/./);
    for (const fields of [
      { name: '$(touch /tmp/pwned)', upstream_app: 'grafana' },
      { name: 'ok', upstream_app: 'grafana;reboot' },
      { name: 'ok', kind: 'subfolder', path: '/a/../../etc', upstream_app: 'grafana' },
      { name: 'ok', upstream_app: 'grafana', conf_dir: '/etc/../root' },
    ]) {
      const refused = await create(fields);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.body.error.code, 'validation_error');
    }
    assert.equal(
      (await call('DELETE', `/api/devices/nas01/proxy-confs/${encodeURIComponent('../grafana.subdomain.conf')}`, agent))
        .status,
      400,
    );
    assert.deepEqual(readdirSync(proxy.confDir).sort(), before);
    assert.equal(sshd.countCalls(/./), workflowsBefore, 'nothing ran on the device');
  });

  test('removing a conf is held until a person releases it; then it is gone, nginx reloaded, the removal in the history', async () => {
    const held = await call(
      'DELETE',
      `/api/devices/nas01/proxy-confs/grafana.subdomain.conf?conf_dir=${encodeURIComponent(proxy.confDir)}`,
      agent,
    );
    assert.equal(held.status, 409, held.text);
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.equal(held.body.proxy_conf.phase, 'awaiting_confirmation');
    assert.ok(existsSync(file('grafana.subdomain.conf')), 'still there while held');
    const reloads = sshd.countCalls(/^nginx -s reload$/);

    await release(held.body.operation_id);
    const view = await finished(held.body.proxy_conf.workflow_id);
    assert.equal(view.phase, 'completed', JSON.stringify(view));
    assert.equal(existsSync(file('grafana.subdomain.conf')), false);
    assert.equal(sshd.countCalls(/^nginx -s reload$/), reloads + 1);
    assert.deepEqual(
      (await versions('grafana.subdomain.conf')).map((v) => v.change_type),
      ['CREATE', 'MODIFY', 'MODIFY', 'DELETE'],
    );
    const op = await call('GET', `/api/operations/${held.body.operation_id}`, person);
    assert.equal(op.body.confirmed_by.name, 'alice');

    const gone = await call(
      'DELETE',
      `/api/devices/nas01/proxy-confs/grafana.subdomain.conf?conf_dir=${encodeURIComponent(proxy.confDir)}`,
      agent,
    );
    assert.equal(gone.status, 404, gone.text);
  });
});
