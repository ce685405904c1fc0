import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sql, type Kysely } from 'kysely';
import { collectorFor, collectors } from '../../domain/collectors/registry.ts';
import { SnapshotRepository, type CollectionRecord } from '../../store/snapshots.ts';
import { ConfigError, loadConfig } from '../../platform/config.ts';
import { createDb, migrateToLatest } from '../../platform/db.ts';
import { connectTemporal } from '../../platform/temporal.ts';
import type { Database } from '../../schema/database.ts';
import { ensureHypertables, timescaleUsable } from '../../schema/migrations/hypertables.ts';
import { composeBinary } from '../support/compose-stand-in.ts';
import { apiClient } from '../support/http.ts';
import { freePort } from '../support/ports.ts';
import { collectRanBy } from '../support/collect-evidence.ts';
import { waitFor, withDeadline } from '../support/poll.ts';
import { startTestSshd, type TestSshd } from '../support/sshd.ts';
import { createTestDatabase, testDir, testEnv, uniqueName } from '../support/stack.ts';

/**
 * The production files, tested as far as a machine without a Docker engine allows:
 * - temporal-compose.yml through `docker compose config` (schema and semantic validation by Compose
 *   itself; scripts/install-compose.sh builds the plugin), then what it declares;
 * - the Dockerfile parsed into stages and instructions, and checked against the code it ships;
 * - the image's own commands run as plain processes on the dist/ that the build stage's command
 *   (`npm run build:server`, run by the test harness) writes: the ENTRYPOINT once per role with the
 *   role's environment from the compose file, and the HEALTHCHECK.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPOSE_FILE = path.join(root, 'temporal-compose.yml');
/** The secrets the compose file demands, as a .env would give them. */
const COMPOSE_SECRETS = {
  POSTGRES_PASSWORD: 'composetestpassword',
  INFRA_ADMIN_TOKEN: 'deployment-test-admin-token-0123456789',
};

// ---------------------------------------------------------------- Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  name: string | null;
  from: string;
  instructions: Instruction[];
}

/** Dockerfile syntax as BuildKit reads it: comments, line continuations, FROM … AS name starts a stage. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  assert.equal(pending, '', 'the Dockerfile ends inside a line continuation');
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
    assert.ok(match, `not an instruction: ${line}`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      assert.ok(from, `FROM ${args}`);
      stages.push({ from: from[1]!, name: from[2] ?? null, instructions: [] });
    } else {
      assert.ok(stages.length > 0, `${keyword} before the first FROM`);
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return stages;
}

const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const execForm = (args: string): string[] => {
  const argv: unknown = JSON.parse(args);
  assert.ok(Array.isArray(argv) && argv.every((a) => typeof a === 'string'), `exec form expected: ${args}`);
  return argv as string[];
};
/** `ENV A=1 B=2` (the only ENV form this Dockerfile uses: values without spaces or quotes). */
function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of all(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      assert.ok(eq > 0, `ENV ${args}: expected KEY=VALUE pairs`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((s) => s.name === name);
  assert.ok(stage, `stage ${name}: stages are ${stages.map((s) => s.name).join(', ')}`);
  return stage;
}

/** Relative modules reachable from `entries`, and the packages they import at run time (type imports excluded). */
function runtimeImports(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      // tsc writes the specifiers it rewrites (`.ts` to `.js`) in double quotes.
      ...[...source.matchAll(/^\s*(?:import|export)(\s+type)?\b[^;'"]*?\bfrom\s+(['"])([^'"]+)\2/gm)]
        .filter((m) => !m[1])
        .map((m) => m[3]!),
      ...[...source.matchAll(/^\s*import\s+(['"])([^'"]+)\1/gm)].map((m) => m[2]!),
      ...[...source.matchAll(/\bimport\(\s*(['"])([^'"]+)\1\s*\)/g)].map((m) => m[2]!),
    ];
    for (const spec of specifiers) {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  for (const entry of entries) visit(path.join(root, entry));
  return { files, packages };
}

// ---------------------------------------------------------------- Compose

function compose(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  // --env-file /dev/null: a developer's own .env must not change what is validated.
  const r = spawnSync(composeBinary(), ['--env-file', '/dev/null', '-f', COMPOSE_FILE, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
  ports?: Array<{ target: number; published: string; host_ip?: string }>;
  volumes?: Array<{ type: string; source?: string; target: string; read_only?: boolean }>;
  stop_grace_period?: string;
}

/** The compose file as Compose resolves it (interpolated, anchors merged), validated on the way. */
function composeModel(): Record<string, ComposeService> {
  const r = compose(['config', '--format', 'json'], COMPOSE_SECRETS);
  assert.equal(r.status, 0, `docker compose config failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { services: Record<string, ComposeService> }).services;
}

describe('deployment files', () => {
  test('temporal-compose.yml validates with docker compose and declares the stack', () => {
    const quiet = compose(['config', '-q'], COMPOSE_SECRETS);
    assert.equal(quiet.status, 0, `docker compose config -q:\n${quiet.stderr}`);
    const missing = compose(['config', '-q'], {});
    assert.notEqual(missing.status, 0, 'the secrets are required');
    assert.match(missing.stderr, /POSTGRES_PASSWORD/);

    const services = composeModel();
    assert.deepEqual(Object.keys(services).sort(), ['api', 'mcp', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    const { postgres, temporal, worker, api, mcp } = services as Record<string, ComposeService>;

    assert.equal(postgres!.image, 'timescale/timescaledb:latest-pg16');
    assert.match(postgres!.healthcheck!.test!.join(' '), /pg_isready/);
    assert.ok(
      postgres!.volumes!.some((v) => v.type === 'volume' && v.target === '/var/lib/postgresql/data'),
      'PostgreSQL data on a named volume',
    );

    assert.match(temporal!.image!, /^temporalio\/auto-setup:/);
    assert.equal(temporal!.environment!.DB, 'postgres12');
    assert.equal(temporal!.environment!.POSTGRES_SEEDS, 'postgres');
    assert.equal(temporal!.depends_on!.postgres!.condition, 'service_healthy');
    assert.ok(temporal!.healthcheck!.test!.length > 0);
    assert.match(services['temporal-ui']!.image!, /^temporalio\/ui:/);

    const dockerfile = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
    const imageHealth = execForm(all(dockerfile.at(-1)!, 'HEALTHCHECK')[0]!.replace(/^[\s\S]*?\bCMD\s+/, ''));
    for (const [name, role, port] of [
      ['worker', 'worker', null],
      ['api', 'api', 9101],
      ['mcp', 'mcp', 9102],
    ] as const) {
      const s = services[name]!;
      assert.equal(s.build?.context, root, `${name} is built from this repository`);
      assert.equal(s.environment!.INFRA_ROLE, role);
      assert.equal(s.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(
        s.environment!.DATABASE_URL ?? '',
        /^postgres:\/\/infra:composetestpassword@postgres:5432\/infrastructor$/,
      );
      assert.equal(s.depends_on!.postgres!.condition, 'service_healthy');
      assert.equal(s.depends_on!.temporal!.condition, 'service_healthy');
      assert.deepEqual(s.healthcheck!.test, ['CMD', ...imageHealth], `${name} checks health with the image's command`);
      if (port !== null) {
        assert.ok(
          s.ports!.some((p) => p.target === port && p.host_ip === '127.0.0.1'),
          `${name} is published on the host's loopback`,
        );
        assert.equal(
          s.environment!.INFRA_ADMIN_TOKEN,
          COMPOSE_SECRETS.INFRA_ADMIN_TOKEN,
          `${name} listens beyond loopback in its container, so it needs the admin token`,
        );
      }
    }
    assert.equal(worker!.deploy!.replicas, 2);
    const keys = worker!.volumes!.find((v) => v.target === '/home/infra/.ssh');
    assert.ok(keys, 'the SSH keys are mounted into the worker');
    assert.equal(keys.type, 'bind');
    assert.equal(keys.read_only, true, 'read-only');
    assert.equal(keys.source, path.join(root, 'ssh'));
    for (const front of [api!, mcp!])
      assert.equal(front.volumes, undefined, 'only the worker opens SSH, so only it gets the keys');
  });

  test('the Dockerfile builds in stages and runs the compiled server as a non-root user', () => {
    const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
    const [deps, build, runtime] = [
      stageNamed(stages, 'deps'),
      stageNamed(stages, 'build'),
      stageNamed(stages, 'runtime'),
    ];
    assert.equal(stages.at(-1), runtime, 'the runtime stage is the image');
    assert.equal(deps.from, 'node:20-bookworm-slim');
    assert.equal(runtime.from, 'node:20-bookworm-slim', 'the runtime starts from the slim base, not from the build');
    assert.equal(build.from, 'deps', 'the build stage reuses the installed dependencies');
    assert.ok(
      all(deps, 'RUN').some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev')),
      'deps installs everything, dev tools included',
    );
    assert.ok(
      all(build, 'RUN').some((r) => /\btsc --noEmit\b/.test(r)),
      'the build type-checks',
    );
    assert.ok(
      all(build, 'RUN').some((r) => /\bnpm run build:server\b/.test(r)),
      'the build compiles the server and writes the workflow bundle',
    );
    assert.ok(
      all(runtime, 'RUN').some((r) => /\bnpm ci --omit=dev\b/.test(r)),
      'the runtime has production dependencies only',
    );
    // `prepare` is the server build, which needs the sources and TypeScript: neither stage that installs may run it.
    for (const stage of [deps, runtime])
      assert.ok(
        all(stage, 'RUN')
          .filter((r) => /\bnpm ci\b/.test(r))
          .every((r) => r.includes('--ignore-scripts')),
        `${stage.name} skips prepare`,
      );

    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    for (const tool of ['tsx', 'typescript'])
      assert.equal(
        pkg.dependencies[tool],
        undefined,
        `${tool} is not a production dependency: the image runs compiled JavaScript`,
      );

    // The bundle build:server writes is what the runtime's INFRA_WORKFLOW_BUNDLE names, in the dist/ it copies from the build.
    const workdir = all(runtime, 'WORKDIR').at(-1)!;
    const copiedDist = all(runtime, 'COPY')
      .map((c) => /^--from=build\s+(\S+\/dist)\s+(\S+)$/.exec(c))
      .find((m) => m && !m[1]!.endsWith('/web/dist'));
    assert.ok(copiedDist, 'the runtime copies the build output from the build stage');
    assert.equal(copiedDist[1], `${all(build, 'WORKDIR').at(-1) ?? workdir}/dist`);
    const distInImage = path.posix.resolve(workdir, copiedDist[2]!);
    assert.ok(
      pkg.scripts['build:server']!.endsWith(' dist/workflow-bundle.js'),
      'build:server writes the bundle into dist/',
    );
    assert.equal(stageEnv(runtime).INFRA_WORKFLOW_BUNDLE, `${distInImage}/workflow-bundle.js`);
    // The console the API serves (api/console.ts: web/dist) is built in the build stage and copied there.
    assert.ok(
      all(build, 'RUN').some((r) => r.includes('scripts/build-web.ts')),
      'the build builds the web console',
    );
    assert.ok(
      all(runtime, 'COPY').includes('--from=build /app/web/dist ./web/dist'),
      'the runtime ships the console build',
    );

    // Everything the entry point and the health check import (the compiled output here, which the test
    // harness brought up to date) is in the image, and needs no dev dependency.
    const copied = [
      ...all(runtime, 'COPY')
        .filter((c) => !c.startsWith('--'))
        .flatMap((c) => c.split(/\s+/).slice(0, -1)),
      path.posix.relative(workdir, distInImage),
    ];
    const entrypoint = execForm(all(runtime, 'ENTRYPOINT').at(-1)!);
    const healthcheck = execForm(
      all(runtime, 'HEALTHCHECK')
        .at(-1)!
        .replace(/^[\s\S]*?\bCMD\s+/, ''),
    );
    assert.deepEqual(entrypoint, ['node', 'dist/app/main.js'], 'plain node on the compiled entry point');
    assert.deepEqual(healthcheck, ['node', 'dist/platform/healthcheck.js']);
    // bin/infra.mjs, without tsx as in the image, runs the compiled CLI.
    const { files, packages } = runtimeImports([entrypoint.at(-1)!, healthcheck.at(-1)!, 'dist/bin/infra-cli.js']);
    for (const file of files) {
      const rel = path.relative(root, file);
      assert.ok(
        copied.some((c) => rel === c || rel.startsWith(`${c}/`)),
        `${rel} is imported at run time but not copied into the image`,
      );
    }
    for (const name of packages)
      assert.ok(pkg.dependencies[name], `${name} is imported at run time but is not a production dependency`);

    // Not root: the last USER of the image names the account created in that same stage.
    const user = all(runtime, 'USER').at(-1);
    assert.ok(user, 'the image sets a USER');
    assert.doesNotMatch(user, /^(root|0)(:|$)/);
    const created = all(runtime, 'RUN').some((r) => new RegExp(`\\buseradd\\b[^&]*\\s${user}(\\s|$)`).test(r));
    assert.ok(created, `user ${user} is created in the runtime stage`);
    const userAt = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    assert.ok(
      runtime.instructions.slice(userAt).every((i) => i.keyword !== 'RUN'),
      'nothing runs as root after USER',
    );
  });
});

// ---------------------------------------------------------------- roles

describe('INFRA_ROLE and INFRA_WORKFLOW_BUNDLE', () => {
  const servers = {
    TEMPORAL_ADDRESS: 'temporal:7233',
    DATABASE_URL: 'postgres://infra:pw@postgres:5432/infrastructor',
  };
  const refused = (env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );

  test('validated like every setting: one part needs configured servers; unknown roles and missing bundles are named', () => {
    assert.equal(loadConfig({}).INFRA_ROLE, 'all', 'the embedded default');
    for (const role of ['worker', 'api', 'mcp']) {
      assert.equal(loadConfig({ INFRA_ROLE: role, ...servers }).INFRA_ROLE, role);
      refused(
        { INFRA_ROLE: role },
        new RegExp(
          `TEMPORAL_ADDRESS: TEMPORAL_ADDRESS is required when INFRA_ROLE is ${role}[\\s\\S]*DATABASE_URL: DATABASE_URL is required when INFRA_ROLE is ${role}`,
        ),
      );
      refused({ INFRA_ROLE: role, TEMPORAL_ADDRESS: servers.TEMPORAL_ADDRESS }, /DATABASE_URL is required/);
    }
    refused({ INFRA_ROLE: 'scheduler', ...servers }, /INFRA_ROLE: INFRA_ROLE must be one of all, worker, api, mcp/);
    refused(
      { INFRA_WORKFLOW_BUNDLE: '/nonexistent/workflow-bundle.js' },
      /INFRA_WORKFLOW_BUNDLE: no file at \/nonexistent\/workflow-bundle\.js/,
    );
  });

  test("the image's entry point refuses a role without servers before starting anything", () => {
    const runtime = stageNamed(parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8')), 'runtime');
    const [cmd, ...args] = execForm(all(runtime, 'ENTRYPOINT').at(-1)!);
    const r = spawnSync(cmd === 'node' ? process.execPath : cmd!, args, {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', INFRA_ROLE: 'worker' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /TEMPORAL_ADDRESS is required when INFRA_ROLE is worker/);
  });
});

// ---------------------------------------------------------------- TimescaleDB or plain tables

describe('snapshot tables on a PostgreSQL without TimescaleDB (migration 0012)', () => {
  let db: Kysely<Database>;
  before(async () => {
    db = createDb(await createTestDatabase(), 4);
    await migrateToLatest(db);
  });
  after(async () => {
    await db?.destroy();
  });

  test('the extension is not there, so the snapshot tables stay plain tables with their keys', async () => {
    assert.equal(await timescaleUsable(db as Kysely<unknown>), false);
    assert.deepEqual(
      await ensureHypertables(
        db as Kysely<unknown>,
        Object.values(collectors).map((c) => c.table),
      ),
      [],
      'the hypertable step converts nothing',
    );
    const installed = await sql`select 1 from pg_extension where extname = 'timescaledb'`.execute(db);
    assert.equal(installed.rows.length, 0, 'no extension created');
    for (const { table } of Object.values(collectors)) {
      const keys = await sql<{ contype: string; columns: string[] }>`
        select c.contype, array_agg(a.attname::text order by a.attname) as columns
        from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
        where c.conrelid = ${table}::regclass and c.contype in ('p', 'u')
        group by c.oid, c.contype order by c.contype`.execute(db);
      assert.deepEqual(
        keys.rows.map((k) => [k.contype, k.columns]),
        [
          ['p', ['id']],
          ['u', ['collection_id']],
        ],
        table,
      );
    }
  });

  test('a retried or overlapping collection stores one snapshot and answers the first (the check hypertables rely on)', async () => {
    const inserted = await sql<{
      id: string;
    }>`insert into devices (hostname, address, username, auth_method) values ('store-dev', '127.0.0.1', 'u', 'agent') returning id`.execute(
      db,
    );
    const device = inserted.rows[0]!;
    const snapshots = new SnapshotRepository(db);
    const record = (collectionId: string, kernel: string, collectedAt: Date): CollectionRecord<unknown> => ({
      collector: collectorFor('capabilities'),
      deviceId: device.id,
      hostname: 'store-dev',
      data: { kernel, arch: 'x86_64' },
      collectedAt,
      durationMs: 5,
      collectionId,
      workflowId: 'wf',
      trigger: 'api',
      forceRefresh: false,
      correlationId: null,
      principal: 'local',
      warnings: [],
    });
    const first = await snapshots.storeCollection(record('wf/run-1', 'first', new Date(Date.now() - 5000)));
    // A retry after the commit: another attempt, later, with other output.
    const retried = await snapshots.storeCollection(record('wf/run-1', 'retry', new Date()));
    assert.deepEqual(retried, first);
    // Two attempts at once (one presumed lost but still running): one of them stores.
    const overlapping = await Promise.all([
      snapshots.storeCollection(record('wf/run-2', 'a', new Date())),
      snapshots.storeCollection(record('wf/run-2', 'b', new Date())),
    ]);
    assert.equal(overlapping[0].id, overlapping[1].id);

    const rows = await db
      .selectFrom('capabilities_snapshots')
      .select(['collection_id', sql<string>`count(*)`.as('n')])
      .groupBy('collection_id')
      .orderBy('collection_id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.collection_id, Number(r.n)]),
      [
        ['wf/run-1', 1],
        ['wf/run-2', 1],
      ],
    );
    const audit = await db
      .selectFrom('audit_log')
      .select(['collection_id', 'snapshot_id'])
      .where('action', '=', 'collect')
      .orderBy('collection_id')
      .execute();
    assert.deepEqual(audit, [
      { collection_id: 'wf/run-1', snapshot_id: first.id },
      { collection_id: 'wf/run-2', snapshot_id: overlapping[0].id },
    ]);
  });
});

// ---------------------------------------------------------------- the image's commands as processes

interface RoleProcess {
  role: string;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its output so far. */
  log(): string;
  /** The first JSON log line with this message. */
  entry(message: string): Record<string, unknown> | undefined;
  waitForLog(message: string, timeoutMs: number, what: string): Promise<Record<string, unknown>>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe("the image's commands, run as separate processes against real servers", { timeout: 300_000 }, () => {
  const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  const runtime = stageNamed(stages, 'runtime');
  const [entryCmd, ...entryArgs] = execForm(all(runtime, 'ENTRYPOINT').at(-1)!);
  const [healthCmd, ...healthArgs] = execForm(
    all(runtime, 'HEALTHCHECK')
      .at(-1)!
      .replace(/^[\s\S]*?\bCMD\s+/, ''),
  );
  // `node` in the image is the Node the tests run on here.
  const binary = (cmd: string | undefined) => (cmd === 'node' ? process.execPath : cmd!);

  let sshd: TestSshd;
  let temporal: Client;
  let services: Record<string, ComposeService>;
  let roleEnv: (service: string) => Record<string, string>;
  let apiUrl: string;
  let mcpUrl: string;
  let instance: string;
  const processes: RoleProcess[] = [];

  const startRole = (service: string): RoleProcess => {
    const env = roleEnv(service);
    const child: ChildProcess = spawn(binary(entryCmd), entryArgs, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        process.removeListener('exit', killOnExit);
        resolve({ code, signal });
      }),
    );
    let output = '';
    const collect = (c: Buffer) => (output += c.toString());
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const entry = (message: string) =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((e) => e.message === message);
    const p: RoleProcess = {
      role: env.INFRA_ROLE!,
      pid: child.pid!,
      exited,
      log: () => output,
      entry,
      async waitForLog(message, timeoutMs, what) {
        await waitFor(`${what}: "${message}" in the ${service} log`, () => output.slice(-4000), {
          until: () => entry(message) !== undefined || child.exitCode !== null,
          timeoutMs,
        });
        const found = entry(message);
        assert.ok(
          found,
          `${what} (${service} process ${child.exitCode === null ? 'running' : `exited ${child.exitCode}`}):\n${output.slice(-4000)}`,
        );
        return found;
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        return withDeadline(exited, 30_000, `${service} stopping after SIGTERM`);
      },
    };
    processes.push(p);
    return p;
  };

  const healthcheck = (service: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(binary(healthCmd), healthArgs, {
        cwd: root,
        env: roleEnv(service),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });

  const http = apiClient(() => apiUrl, { token: COMPOSE_SECRETS.INFRA_ADMIN_TOKEN, timeoutMs: 60_000 });

  const scheduleExists = async (id: string) => {
    try {
      await temporal.schedule.getHandle(id).describe();
      return true;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
  };
  /** A polling schedule of a device that does not exist: start-up reconciliation deletes it. */
  const staleSchedule = async (hostname: string) => {
    const id = `${instance}-poll-${hostname}-metrics`;
    await temporal.schedule.create({
      scheduleId: id,
      spec: { intervals: [{ every: '1h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'collectWorkflow',
        taskQueue: instance,
        args: [{ hostname, dataType: 'metrics', trigger: 'schedule', forceRefresh: false, correlationId: null }],
      },
      state: { paused: true },
    });
    return id;
  };

  before(async () => {
    const env = testEnv();
    sshd = await startTestSshd(testDir(uniqueName('sshd-deploy')));
    temporal = await connectTemporal(env.temporalAddress, 'default');
    services = composeModel();
    instance = uniqueName('d');
    const databaseUrl = await createTestDatabase();
    const [apiPort, mcpPort] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;

    // The bundle the image names, in the dist/ the build stage's `npm run build:server` wrote here (the test harness runs it).
    const bundle = path.join(
      root,
      path.posix.relative(all(runtime, 'WORKDIR').at(-1)!, stageEnv(runtime).INFRA_WORKFLOW_BUNDLE!),
    );
    assert.ok(readFileSync(bundle, 'utf8').length > 10_000, 'a workflow bundle was written');

    // What a container of that service gets: the image's ENV, then the service's environment; only the
    // addresses differ here (the test's servers instead of the compose network's, loopback ports).
    roleEnv = (service) => {
      const fromCompose = Object.fromEntries(
        Object.entries(services[service]!.environment ?? {}).filter((e): e is [string, string] => e[1] !== null),
      );
      return {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...stageEnv(runtime),
        ...fromCompose,
        TEMPORAL_ADDRESS: env.temporalAddress,
        DATABASE_URL: databaseUrl,
        INFRA_INSTANCE: instance,
        INFRA_WORKFLOW_BUNDLE: bundle,
        BIND_ADDRESS: '127.0.0.1',
        API_PORT: String(apiPort),
        MCP_PORT: String(mcpPort),
        LOG_LEVEL: 'info',
      };
    };
  });

  after(async () => {
    for (const p of processes) await p.stop().catch(() => undefined);
    await temporal?.connection.close();
    await sshd?.stop();
  });

  let workers: RoleProcess[] = [];
  let api: RoleProcess;

  test('a worker started first waits for the API to migrate; the API reconciles schedules, the worker does not', async () => {
    const ghost = await staleSchedule('ghost-before');
    const first = startRole('worker');
    workers = [first];
    await first.waitForLog('waiting for the API to apply migrations', 60_000, 'the worker waits for the schema');
    assert.equal(
      first.entry('infrastructor is running'),
      undefined,
      'the worker does not start before the schema exists',
    );
    assert.equal(await scheduleExists(ghost), true);

    api = startRole('api');
    const apiRunning = await api.waitForLog('infrastructor is running', 90_000, 'the API starts');
    assert.ok(api.entry('migrations applied'), 'the API applied the migrations');
    assert.deepEqual(
      [apiRunning.role, apiRunning.worker, apiRunning.api, apiRunning.mcp],
      ['api', false, apiUrl, null],
      'the API process runs the API only',
    );
    assert.equal(await scheduleExists(ghost), false, 'the API deleted the stale schedule at start');
    const workerRunning = await first.waitForLog(
      'infrastructor is running',
      60_000,
      'the worker starts once the schema is there',
    );
    assert.deepEqual(
      [workerRunning.role, workerRunning.worker, workerRunning.api, workerRunning.mcp],
      ['worker', true, null, null],
      'the worker process runs the worker only',
    );
    assert.equal(first.entry('migrations applied'), undefined, 'the worker applied no migration');

    // A second replica, as `deploy.replicas: 2` starts: it must leave schedules alone.
    const ghostAfter = await staleSchedule('ghost-after');
    const second = startRole('worker');
    workers.push(second);
    await second.waitForLog('infrastructor is running', 60_000, 'the second worker replica starts');
    assert.equal(await scheduleExists(ghostAfter), true, 'a worker replica does not reconcile schedules at start');
    await temporal.schedule.getHandle(ghostAfter).delete();

    await waitFor('the API process to be healthy', () => http('GET', '/health'), {
      until: (r) => r.status === 200,
      timeoutMs: 60_000,
      intervalMs: 500,
    });
  });

  test('a device registered through the API process gets fresh metrics collected by a worker process', async () => {
    assert.ok(api && workers.length === 2, 'the processes of the previous test run');
    const created = await http('POST', '/api/devices', {
      hostname: 'deploy-dev',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      identity_file: sshd.clientKeyPath,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const fresh = await http('GET', '/api/devices/deploy-dev/metrics?force_refresh=true');
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    const answer = fresh.body as {
      from_cache: boolean;
      collected_at: string;
      workflow_id: string;
      data: Record<string, unknown>;
    };
    assert.equal(answer.from_cache, false);
    assert.ok(Date.now() - Date.parse(answer.collected_at) < 60_000, 'collected just now');
    // The device is this machine behind the test sshd: its memory is what /proc says here.
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    assert.equal((answer.data.memory as { total_bytes: number }).total_bytes, memTotalKb * 1024);

    // Temporal records which worker ran the SSH step (a local activity): one of the worker processes, by pid.
    const history = await temporal.workflow.getHandle(answer.workflow_id).fetchHistory();
    const ranBy = collectRanBy(history.events);
    assert.equal(ranBy.length, 1, 'the collection ran once');
    const workerIdentities = workers.map((w) => `${w.pid}@${os.hostname()}`);
    for (const identity of ranBy)
      assert.ok(
        workerIdentities.includes(identity),
        `activity ran by ${identity}, expected one of ${workerIdentities.join(', ')}`,
      );
    assert.ok(!ranBy.includes(`${api.pid}@${os.hostname()}`));
  });

  test('the MCP role serves the same devices over Streamable HTTP', async () => {
    const mcp = startRole('mcp');
    const running = await mcp.waitForLog('infrastructor is running', 60_000, 'the MCP process starts');
    assert.deepEqual(
      [running.role, running.worker, running.api, running.mcp],
      ['mcp', false, null, mcpUrl],
      'the MCP process runs MCP only',
    );
    const client = new McpClient({ name: 'deployment-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), {
        requestInit: { headers: { authorization: `Bearer ${COMPOSE_SECRETS.INFRA_ADMIN_TOKEN}` } },
      }),
    );
    try {
      const listed = await client.callTool({ name: 'list_devices', arguments: {} });
      const body = JSON.parse((listed as { content: Array<{ text: string }> }).content[0]!.text) as {
        devices: Array<{ hostname: string; status: string }>;
      };
      assert.deepEqual(
        body.devices.map((d) => [d.hostname, d.status]),
        [['deploy-dev', 'online']],
      );
    } finally {
      await client.close();
    }
  });

  test("the image's HEALTHCHECK passes for every running role", async () => {
    for (const service of ['api', 'worker', 'mcp']) {
      const r = await healthcheck(service);
      assert.equal(r.code, 0, `${service} health check: ${r.output}`);
    }
  });

  test('SIGTERM stops every role cleanly, and the health check then fails', async () => {
    assert.ok(processes.length === 4, 'worker ×2, api and mcp are running');
    const stopped = await Promise.all(
      processes.map(async (p) => ({ role: p.role, ...(await p.stop()), log: p.log() })),
    );
    for (const s of stopped) {
      assert.deepEqual([s.code, s.signal], [0, null], `${s.role} exited cleanly:\n${s.log.slice(-3000)}`);
      assert.match(s.log, /"message":"stopped"/, `${s.role} logged its orderly stop`);
    }
    for (const service of ['api', 'mcp']) {
      const r = await healthcheck(service);
      assert.equal(r.code, 1, `${service} is reported unhealthy once stopped: ${r.output}`);
    }
  });
});
