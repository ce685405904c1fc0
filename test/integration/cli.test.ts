import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningSystem } from '../../platform/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/infra.mjs');

describe('the infra CLI against a running API', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  const infra = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      // stdin is not a terminal here, so a held command is printed rather than prompted for.
      execFile(process.execPath, [cliPath, ...args], { env: { ...process.env, INFRA_API_URL: sys.apiUrl! } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

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
    const added = await infra('device', 'add', 'cli-dev', '--address', '127.0.0.1', '--port', String(sshd.port), '--user', sshd.username, '--key', sshd.clientKeyPath, '--tag', 'lab', '--no-monitoring');
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
    const [, id, phrase] = /infra confirm (\S+) '([^']+)'/.exec(held.stdout)!;
    assert.equal(sshd.countCalls(/^docker stop/), 0);
    const confirmed = await infra('confirm', id!, phrase!);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(sshd.countCalls(/^docker stop/), 1);

    const bad = await infra('device', 'add', 'bad;name');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /400 validation_error/);

    const audit = await sys.db.selectFrom('audit_log').select(['trigger', 'action']).where('hostname', '=', 'cli-dev').execute();
    assert.ok(audit.length > 0 && audit.every((a) => a.trigger === 'cli'), JSON.stringify(audit));

    assert.equal((await infra('device', 'rm', 'cli-dev')).code, 0);
    assert.doesNotMatch((await infra('device', 'list')).stdout, /cli-dev/);
  });
});
