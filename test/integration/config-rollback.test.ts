import assert from 'node:assert/strict';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { apiClient } from '../support/http.ts';
import { waitFor } from '../support/poll.ts';
import { devicePasswdEntry, startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';
import { ownerContext } from '../../services/device-service.ts';

const site = (port: number, extra = '') =>
  `server {\n    listen 443 ssl;\n    server_name grafana.*;\n    include /config/nginx/ssl.conf;\n    location / {\n        include /config/nginx/proxy.conf;\n        set $upstream_app grafana;\n        set $upstream_port ${port};\n        set $upstream_proto http;\n        proxy_pass $upstream_proto://$upstream_app:$upstream_port;\n    }\n${extra}}\n`;
const V1 = site(3000);
const V2 = site(3001);
const BROKEN = site(3002, '    # BROKEN: the stand-in nginx -t rejects this file\n');
const V4 = site(3003);
const compose = (tag: string) => `services:\n  web:\n    image: nginx:${tag}\n    ports:\n      - "8080:80"\n`;

describe('config rollback: held, written atomically, checked, undone when the check fails', () => {
  let sshd: TestSshd;
  let sys: Awaited<ReturnType<typeof startTestSystem>>;
  let dir: string;
  let stackDir: string;
  const file = () => path.join(dir, 'grafana.subdomain.conf');
  const composeFile = () => path.join(stackDir, 'compose.yaml');

  const http = apiClient(() => sys.apiUrl!, { headers: { 'x-infra-user': 'alice' } });
  const versions = (of: string) =>
    sys.db.selectFrom('config_snapshots').select(['id', 'content']).where('path', '=', of).orderBy('id').execute();
  /** Waits until the history of `of` holds a version with `content` as its newest, and answers that version's id. */
  const newestIs = async (content: string, of = file()) =>
    (
      await waitFor(`the newest version of ${of} to hold the expected content`, () => versions(of), {
        until: (all) => all.at(-1)?.content === content,
      })
    ).at(-1)!.id;
  const write = (content: string) => writeFileSync(file(), content, { mode: 0o644 });

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    dir = path.join(testDir(uniqueName('appdata')), 'swag', 'nginx', 'proxy-confs');
    mkdirSync(dir, { recursive: true });
    // The device user edits its own proxy configs, as a SWAG appdata owner does.
    chownSync(dir, devicePasswdEntry().uid, devicePasswdEntry().gid);
    sshd.standIn(
      'nginx',
      `#!/bin/sh\n[ "$1" = -t ] || exit 2\nif grep -qs BROKEN '${dir}'/*.conf; then echo "nginx: [emerg] unknown directive \\"BROKEN\\" in ${dir}/grafana.subdomain.conf:12" >&2; echo 'nginx: configuration file /etc/nginx/nginx.conf test failed' >&2; exit 1; fi\necho 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok' >&2\necho 'nginx: configuration file /etc/nginx/nginx.conf test is successful' >&2\n`,
    );
    write(V1);
    stackDir = path.join(testDir(uniqueName('stacks')), 'app');
    mkdirSync(stackDir, { recursive: true });
    chownSync(stackDir, devicePasswdEntry().uid, devicePasswdEntry().gid);
    writeFileSync(composeFile(), compose('1.27.0'), { mode: 0o644 });
    sys = await startTestSystem({ configWatchEnabled: true, confirmationTimeoutSeconds: 60 });
    await sys.devices.create(
      {
        hostname: 'proxy',
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: true,
      },
      ownerContext('api'),
    );
    await sys.configHistory.addWatchPath('proxy', dir);
    await sys.configHistory.addWatchPath('proxy', stackDir);
  });
  after(async () => {
    await sys?.devices.remove('proxy', ownerContext('api')).catch(() => undefined);
    await sys?.client.workflow
      .getHandle(sys.watchers.workflowId('proxy'))
      .result()
      .catch(() => undefined);
    await sys?.stop();
    await sshd?.stop();
  });

  test('a rollback is held for the phrase, then writes the version back and reports the passing check', async () => {
    const v1 = await newestIs(V1);
    // A write before the inotify stream is up would wait for the next hash re-scan: wait for the stream first.
    const watchMode = async () =>
      (
        await sys.db
          .selectFrom('devices')
          .select('config_watch_mode')
          .where('hostname', '=', 'proxy')
          .executeTakeFirst()
      )?.config_watch_mode;
    await waitFor('the watch mode to be inotify', watchMode, { until: (mode) => mode === 'inotify' });
    write(V2);
    await newestIs(V2);

    const held = await http('POST', `/api/config/snapshots/${v1}/rollback`);
    assert.equal(held.status, 409, JSON.stringify(held.body));
    assert.equal(held.body.status, 'DESTRUCTIVE_ACTION_BLOCKED');
    assert.match(
      (await http('GET', `/api/operations/${held.body.operation_id}`)).body.confirmation_phrase,
      /^ROLLBACK GRAFANA\.SUBDOMAIN\.CONF ON PROXY \d{4}$/,
    );
    assert.ok(
      held.body.risk_assessment.reasons.some((r: string) =>
        /upstream http:\/\/grafana:3001 → http:\/\/grafana:3000/.test(r),
      ),
      JSON.stringify(held.body.risk_assessment.reasons),
    );
    assert.equal(readFileSync(file(), 'utf8'), V2, 'nothing written while held');

    const done = await http('POST', `/api/operations/${held.body.operation_id}/confirm`, {
      phrase: (await http('GET', `/api/operations/${held.body.operation_id}`)).body.confirmation_phrase,
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.exit_code, 0);
    assert.match(done.body.stdout, /syntax is ok/);
    assert.equal(readFileSync(file(), 'utf8'), V1);
    // The watcher records the rollback as the newest version.
    await newestIs(V1);
    const audit = await sys.db
      .selectFrom('audit_log')
      .select('action')
      .where('hostname', '=', 'proxy')
      .where('action', 'in', ['config_rollback_written', 'config_rollback_checked', 'config_rollback_restored'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['config_rollback_written', 'config_rollback_checked'],
    );
  });

  test('a version that fails the check is written, checked, and undone automatically', async () => {
    write(BROKEN);
    const broken = await newestIs(BROKEN);
    write(V4);
    await newestIs(V4);

    const held = await http('POST', `/api/config/snapshots/${broken}/rollback`);
    assert.equal(held.status, 409, JSON.stringify(held.body));
    const failed = await http('POST', `/api/operations/${held.body.operation_id}/confirm`, {
      phrase: (await http('GET', `/api/operations/${held.body.operation_id}`)).body.confirmation_phrase,
    });
    assert.equal(failed.status, 502, JSON.stringify(failed.body));
    assert.equal(failed.body.error.code, 'health_check_failed');
    assert.equal(readFileSync(file(), 'utf8'), V4, 'the content before the rollback is back');
    const op = await http('GET', `/api/operations/${held.body.operation_id}`);
    assert.equal(op.body.state, 'failed');
    assert.match(op.body.result.stdout, /unknown directive "BROKEN"/);
    const audit = await sys.db
      .selectFrom('audit_log')
      .select('action')
      .where('hostname', '=', 'proxy')
      .where('action', 'in', ['config_rollback_written', 'config_rollback_checked', 'config_rollback_restored'])
      .orderBy('id')
      .execute();
    assert.deepEqual(audit.map((a) => a.action).slice(-3), [
      'config_rollback_written',
      'config_rollback_checked',
      'config_rollback_restored',
    ]);
  });

  test('a rollback where nothing can check the file succeeds with a note saying so, and the CLI exits 0', async () => {
    // What docker prints where the compose plugin is not installed (and there is no docker-compose either).
    sshd.standIn(
      'docker',
      `#!/bin/sh\necho "docker: '$1' is not a docker command." >&2\necho "See 'docker --help'" >&2\nexit 1\n`,
    );
    const v1 = await newestIs(compose('1.27.0'), composeFile());
    writeFileSync(composeFile(), compose('1.27.3'));
    await newestIs(compose('1.27.3'), composeFile());

    const held = await http('POST', `/api/config/snapshots/${v1}/rollback`);
    assert.equal(held.status, 409, JSON.stringify(held.body));
    const id = held.body.operation_id as string;
    const confirmed = await runCli(
      sys.apiUrl!,
      'confirm',
      id,
      (await http('GET', `/api/operations/${id}`)).body.confirmation_phrase,
    );
    assert.deepEqual(confirmed, { code: 0, stdout: '', stderr: 'not checked: docker compose is not installed\n' });
    assert.equal(readFileSync(composeFile(), 'utf8'), compose('1.27.0'));
    const op = (await http('GET', `/api/operations/${id}`)).body;
    assert.deepEqual(
      [op.state, op.error, op.result.exit_code, op.result.note],
      ['completed', null, 0, 'not checked: docker compose is not installed'],
    );
  });

  test('rolling back to the current version, or to a version that does not exist, is refused', async () => {
    // The watcher stores the content the failed rollback put back; "current" is that version.
    const current = await newestIs(readFileSync(file(), 'utf8'));
    const same = await http('POST', `/api/config/snapshots/${current}/rollback`);
    assert.equal(same.status, 409);
    assert.equal(same.body.error.code, 'nothing_to_do');
    assert.equal((await http('POST', '/api/config/snapshots/999999999/rollback')).status, 404);
  });
});
