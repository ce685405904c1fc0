import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunningSystem } from '../../app/system.ts';
import { installDockerStandIn } from '../support/docker-stand-in.ts';
import { apiClient, apiRequest } from '../support/http.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { startTestSystem, testDir, uniqueName } from '../support/stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Installed by `scripts/install-tools.sh --test` (SCHEMATHESIS_VERSION there). */
const schemathesis = path.join(root, '.tools/schemathesis/bin/st');
const DEVICE = 'fuzzbox';

/** Operations that add devices from what the fuzzer makes up (see the second run below). */
const ADDING_DEVICES = ['POST /api/devices', 'POST /api/devices/import'];

/**
 * How schemathesis is pointed at the system.
 * - A bootstrap admin token goes with every request, so a token the fuzzer creates (`POST /api/tokens`)
 *   does not lock the rest of the run out.
 * - Hostnames, container names and compose services are real ones half of the time: random names answer
 *   404, which tests little else (the docker stand-in has these containers; nginx is in compose project web).
 * - The data route gets the real hostname whenever schemathesis draws from the dictionary (the coverage phase
 *   still tries its own boundary values), so its answers include real collections of several types, each
 *   checked against its type's answer in the document (`data` as the collector's schema describes it).
 * - PATCH and DELETE of devices never get the real hostname, nor values seen in earlier answers (where the
 *   fuzzer would find it): a changed address or credentials make the device unreachable, and its reads
 *   then rightly answer 502.
 */
const CONFIG = `
[auth.openapi.bearerAuth]
bearer = "\${INFRA_FUZZ_TOKEN}"

[dictionaries.device]
values = ["${DEVICE}"]

[dictionaries.container]
values = ["nginx", "grafana", "nextcloud-db", "old-backup"]

[dictionaries.service]
values = ["nginx"]

[parameters]
"path.name" = { dictionary = "container", probability = 0.5 }
"body.containers[*]" = { dictionary = "container", probability = 0.5 }
"path.service" = { dictionary = "service", probability = 0.5 }

[[operations]]
include-name = ["GET /api/devices/{hostname}/{data_type}"]
parameters = { "path.hostname" = { dictionary = "device", probability = 1.0 } }

[[operations]]
include-path-regex = "\\\\{hostname\\\\}"
exclude-method = ["PATCH", "DELETE"]
parameters = { "path.hostname" = { dictionary = "device", probability = 0.5 } }

[[operations]]
include-name = ["PATCH /api/devices/{hostname}", "DELETE /api/devices/{hostname}"]
phases.coverage.extra-data-sources.responses = false
phases.fuzzing.extra-data-sources.responses = false
`;

describe('API fuzzing: schemathesis from /openapi.json against the running system (real sshd, PostgreSQL, Temporal)', () => {
  let sshd: TestSshd;
  let sys: RunningSystem;
  let api: string;
  const token = `fuzz-${randomBytes(24).toString('hex')}`;

  before(async () => {
    assert.ok(existsSync(schemathesis), `${schemathesis} is missing: run scripts/install-tools.sh --test`);
    sshd = await startTestSshd(testDir(uniqueName('sshd')));
    installDockerStandIn(sshd);
    // A short confirmation timeout: the fuzzer holds commands (maintenance, bulk actions) it never confirms.
    sys = await startTestSystem({
      configWatchEnabled: true,
      confirmationTimeoutSeconds: 20,
      security: { rateLimitPerMinute: 0, allowedHosts: [], adminToken: token },
    });
    api = sys.apiUrl!;
    const res = await apiRequest(
      api,
      'POST',
      '/api/devices',
      {
        hostname: DEVICE,
        address: '127.0.0.1',
        port: sshd.port,
        username: sshd.username,
        identity_file: sshd.clientKeyPath,
      },
      { token },
    );
    assert.equal(res.status, 201, res.text);
  });
  after(async () => {
    await sys?.stop();
    await sshd?.stop();
  });

  test('a NUL character anywhere in a body or query is a 400, before PostgreSQL (which cannot store one) sees it', async () => {
    // Found by the fuzzer: an alert channel named with one answered 500 (PostgreSQL refused the insert).
    const send = apiClient(() => api, { token });
    const channel = await send('POST', '/api/alerts/channels', {
      name: 'ops\0',
      kind: 'ntfy',
      url: 'https://ntfy.example/homelab',
    });
    assert.equal(channel.status, 400);
    assert.deepEqual(
      channel.body.error?.details.map((d: { path: string }) => d.path),
      ['body.name'],
    );
    assert.equal((await send('PATCH', `/api/devices/${DEVICE}`, { description: 'rack\u0000 2' })).status, 400);
    assert.equal((await send('GET', `/api/audit?data_type=${encodeURIComponent('a\0')}`)).status, 400);
    assert.equal((await send('GET', `/api/devices/${DEVICE}`)).body.description, null, 'nothing was changed');
  });

  /** One bounded schemathesis run over the operations `filter` selects; fails the test on any finding. */
  async function fuzz(name: string, filter: string[]): Promise<void> {
    const dir = testDir(uniqueName(`schemathesis-${name}`));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'schemathesis.toml'), CONFIG);
    const args = [
      '--config-file',
      path.join(dir, 'schemathesis.toml'),
      'run',
      `${api}/openapi.json`,
      ...filter,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      // The stateful phase chains answers into new requests; examples, boundary values and fuzzing cover every operation.
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      '15',
      // One worker: with more, hypothesis parses lambda sources in parallel threads, which trips CPython
      // 3.11's AST recursion check ("AST constructor recursion depth mismatch") at random.
      '--workers',
      '1',
      '--request-timeout',
      '120',
      '--generation-database',
      'none',
      '--no-color',
    ];
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      // Its own working directory: schemathesis keeps state (.schemathesis, .hypothesis) where it runs.
      const child = spawn(schemathesis, args, { cwd: dir, env: { ...process.env, INFRA_FUZZ_TOKEN: token } });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('exit', (exitCode) => resolve({ code: exitCode, output: out }));
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(path.join(dir, 'output.txt'), output);
    // Its tracebacks quote whole source files on one line; the full output is in output.txt.
    const shown = output
      .split('\n')
      .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
      .join('\n');
    assert.equal(code, 0, `schemathesis found problems (exit ${code}, ${seconds} s):\n${shown}`);
    const selected = /Selected: (\d+)\//.exec(output)?.[1];
    assert.ok(selected && Number(selected) > 0, shown);
    assert.equal(/Tested: (\d+)/.exec(output)?.[1], selected, 'every selected operation was tested');
    process.stdout.write(`schemathesis (${name}): ${seconds} s\n${output.slice(output.indexOf('SUMMARY'))}\n`);
  }

  test(
    'every operation but adding devices: no 5xx, no answer outside the document, for valid and invalid input',
    { timeout: 600_000 },
    async () => {
      // An event stream never ends by design: there is no answer to check.
      await fuzz('operations', [
        '--exclude-path',
        '/api/events',
        ...ADDING_DEVICES.flatMap((op) => ['--exclude-name', op]),
      ]);
    },
  );

  test(
    'adding devices, last: what the fuzzer adds has made-up addresses that the other operations must not meet',
    { timeout: 600_000 },
    async () => {
      // Reading from such a device answers 502/504 after SSH timeouts, as it should for an unreachable one.
      await fuzz(
        'adding-devices',
        ADDING_DEVICES.flatMap((op) => ['--include-name', op]),
      );
    },
  );
});
