import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSystem } from '../../app/system.ts';
import { runCli } from '../support/cli.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { freePort } from '../support/ports.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

describe('the infra CLI against a running API', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  const infra = (...args: string[]) => runCli(sys.apiUrl!, ...args);

  before(async () => {
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    sys = await startTestSystem();
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('device add, list, get, exec (safe and held), confirm, rm — audited with trigger cli', async () => {
    const added = await infra(
      'device',
      'add',
      'cli-dev',
      '--address',
      '127.0.0.1',
      '--port',
      String(sshd.port),
      '--user',
      sshd.username,
      '--key',
      sshd.clientKeyPath,
      '--tag',
      'lab',
      '--no-monitoring',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).hostname, 'cli-dev');

    const list = await infra('device', 'list');
    assert.match(list.stdout, /^HOSTNAME\s+TARGET/m);
    assert.match(list.stdout, /cli-dev\s+infra-test-device@127\.0\.0\.1:\d+\s+linux\s+unknown/);

    const got = await infra('get', 'cli-dev', 'metrics', '--fresh');
    assert.equal(got.code, 0, got.stderr);
    assert.equal(JSON.parse(got.stdout).from_cache, false);

    const safe = await infra('exec', 'cli-dev', '--', 'echo', 'hi', '&&', 'exit', '4');
    assert.equal(safe.stdout, 'hi\n');
    assert.equal(safe.code, 4, 'the CLI exits with the remote exit code');

    const held = await infra('exec', 'cli-dev', '--', 'docker stop $(docker ps -q)');
    assert.equal(held.code, 3);
    assert.match(held.stdout, /DESTRUCTIVE COMMAND HELD on cli-dev/);
    // The local owner may release its own CLI request in this single-person setup, so it is shown the phrase.
    const phrase = /To run it, type exactly: {2}(.+)\n/.exec(held.stdout)?.[1];
    const id = /infra confirm (\S+) /.exec(held.stdout)?.[1];
    assert.ok(phrase && id, held.stdout);
    assert.equal(sshd.countCalls(/^docker stop/), 0);
    const confirmed = await infra('confirm', id!, phrase!);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(sshd.countCalls(/^docker stop/), 1);

    const restarted = await infra('container', 'restart', 'cli-dev', 'grafana');
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(restarted.stdout, 'grafana\n');
    assert.match(restarted.stderr, /^grafana: running \(/m);
    const logs = await infra('container', 'logs', 'cli-dev', 'nginx', '--tail', '3');
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout.trimEnd().split('\n').length, 3);
    const inspected = await infra('container', 'inspect', 'cli-dev', 'nginx');
    assert.equal(JSON.parse(inspected.stdout)[0].Name, '/nginx');
    const bulk = await infra('container', 'stop', 'cli-dev', 'grafana', 'nginx');
    assert.equal(bulk.code, 3, 'held: not a terminal, so it says how to confirm');
    assert.match(bulk.stdout, /DESTRUCTIVE COMMAND HELD on cli-dev/);
    const ghost = await infra('container', 'stop', 'cli-dev', 'ghost');
    assert.equal(ghost.code, 1);
    assert.match(ghost.stderr, /404 unknown_container/);

    const bad = await infra('device', 'add', 'bad;name');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /400 validation_error/);

    const audit = await sys.db
      .selectFrom('audit_log')
      .select(['trigger', 'action'])
      .where('hostname', '=', 'cli-dev')
      .execute();
    // What the CLI asked for says so; the notification of the confirmed operation is the system's own.
    const asked = audit.filter((a) => !a.action.startsWith('alert_'));
    assert.ok(asked.length > 0 && asked.every((a) => a.trigger === 'cli'), JSON.stringify(audit));
    assert.ok(audit.filter((a) => a.action.startsWith('alert_')).every((a) => a.trigger === 'system'));

    assert.equal((await infra('device', 'rm', 'cli-dev')).code, 0);
    assert.doesNotMatch((await infra('device', 'list')).stdout, /cli-dev/);
  });

  test('every error is one line with its cause and remedy: exit 2 for a wrong call, 1 for a failure', async () => {
    const oneLine = async (expectedCode: number, stderr: RegExp, ...args: string[]) => {
      const run = await infra(...args);
      assert.deepEqual([run.code, run.stdout], [expectedCode, ''], `infra ${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^[^\n]+\n$/, `infra ${args.join(' ')} prints one line`);
      assert.match(run.stderr, stderr);
    };
    await oneLine(2, /^unknown option --bogus; see `infra --help`$/m, 'device', 'list', '--bogus');
    await oneLine(2, /^option --port needs a value; see `infra --help`$/m, 'device', 'add', 'x', '--port');
    await oneLine(2, /^unexpected argument extra; see `infra --help`$/m, 'device', 'list', 'extra');
    await oneLine(2, /^usage: infra device rm <hostname>; see `infra --help`$/m, 'device', 'rm');
    await oneLine(2, /^unknown command frobnicate; see `infra --help`$/m, 'frobnicate');
    await oneLine(1, /^404 not_found: .*nope/m, 'get', 'nope', 'metrics');
    await oneLine(
      1,
      /^cannot read \/nonexistent\/ssh_config \(ENOENT.*\); give the path of an OpenSSH client config/m,
      'device',
      'import',
      '/nonexistent/ssh_config',
    );
    const closed = await runCli(`http://127.0.0.1:${await freePort()}`, 'device', 'list');
    assert.equal(closed.code, 1);
    assert.match(
      closed.stderr,
      /^cannot reach the API at http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\); is `npm start` running\?\n$/,
    );

    const help = await infra('--help');
    assert.deepEqual([help.code, help.stderr], [0, '']);
    assert.match(help.stdout, /^usage:\n {2}infra demo/);
    assert.equal((await infra('device', 'list', '--help')).stdout, help.stdout);
  });
});
