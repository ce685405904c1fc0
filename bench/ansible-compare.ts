/**
 * The same read-only command on 20 hosts, ours vs Ansible ad-hoc (`npm run bench:ansible`): wall time,
 * new SSH connections and CPU, side by side in one run.
 *
 * The hosts are real OpenSSH servers on loopback (test/support/sshd.ts), not simulator's ssh2
 * simulator: Ansible's shell module is Python code shipped over SSH and run by python3 on the remote
 * side, so the "device" must be a real sshd on a machine with python3 (this one has /usr/bin/python3).
 * Each sshd is restarted by this bench with `LogLevel VERBOSE` into a log file of its own, so every new
 * TCP connection ("Connection from ...") and every exec session ("Starting session: command ...") is
 * counted exactly, per phase, on the device side.
 *
 * Ansible (ansible-core from PyPI) is installed idempotently into .bench-data/ansible and run with
 * PYTHONPATH; ControlMaster=auto, ControlPersist=60s, pipelining on, forks 20, host keys checked against
 * a known_hosts file built from the sshds' host keys.
 *
 *   BENCH_ANSIBLE_HOSTS (default 20)         hosts (one sshd each)
 *   BENCH_ANSIBLE_WARM_RUNS (default 5)      warm rounds per side
 *   BENCH_ANSIBLE_VERSION (default 2.19.14)  ansible-core version installed from PyPI
 *   BENCH_ANSIBLE_COMMAND (default `cat /proc/loadavg`)
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sshTargetOf } from '../store/devices.ts';
import { createLogger } from '../platform/logger.ts';
import { startSystem, type RunningSystem } from '../app/system.ts';
import { waitForPort } from '../test/support/ports.ts';
import { startSharedServers, type SharedServers } from '../test/support/servers.ts';
import { startTestSshd, TEST_DEVICE_USER, type TestSshd } from '../test/support/sshd.ts';
import { summary } from './stats.ts';
import { ownerContext } from '../services/device-service.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench-data', 'ansible-compare');
/** Outside `dir`, which startSharedServers wipes: the install survives between runs. */
const ansibleDir = path.join(root, '.bench-data', 'ansible');
const hostCount = Math.max(1, Number(process.env.BENCH_ANSIBLE_HOSTS ?? 20));
const warmRuns = Math.max(1, Number(process.env.BENCH_ANSIBLE_WARM_RUNS ?? 5));
const ansibleVersion = process.env.BENCH_ANSIBLE_VERSION ?? '2.19.14';
const command = process.env.BENCH_ANSIBLE_COMMAND ?? 'cat /proc/loadavg';
const PAUSE_MS = 500;
const ctx = ownerContext('api');
const logger = createLogger(process.env.LOG_LEVEL ?? 'error', 'bench');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// --- Ansible install ---------------------------------------------------------------------------------
function installAnsible(): void {
  const marker = path.join(ansibleDir, '.installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === ansibleVersion) return;
  const partial = `${ansibleDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  process.stderr.write(
    `bench: installing ansible-core==${ansibleVersion} from PyPI into ${path.relative(root, ansibleDir)}\n`,
  );
  execFileSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--quiet',
      '--no-warn-script-location',
      '--target',
      partial,
      `ansible-core==${ansibleVersion}`,
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  writeFileSync(path.join(partial, '.installed'), `${ansibleVersion}\n`);
  rmSync(ansibleDir, { recursive: true, force: true });
  renameSync(partial, ansibleDir);
}

// --- CPU from /proc ----------------------------------------------------------------------------------
interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  cpuMs: number;
}
/** Every process's utime+stime plus cutime+cstime (its exited, reaped children), in ms. */
function processTable(): Map<number, Proc> {
  const table = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    table.set(Number(entry), { pid: Number(entry), ppid: Number(f[1]), comm, cpuMs: (ticks * 1000) / CLK_TCK });
  }
  return table;
}
/** CPU of the subtree under `rootPid` (included), skipping subtrees whose root `skip` matches. */
function subtreeCpu(table: Map<number, Proc>, rootPid: number, skip: (p: Proc) => boolean = () => false): number {
  const children = new Map<number, Proc[]>();
  for (const p of table.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let total = 0;
  const walk = (p: Proc | undefined) => {
    if (!p || skip(p)) return;
    total += p.cpuMs;
    for (const c of children.get(p.pid) ?? []) walk(c);
  };
  walk(table.get(rootPid));
  return total;
}
/** Our controller side: this process (worker + client) and its descendants (Temporal dev server, PostgreSQL), not the sshds. */
function ourCpu(table = processTable()): { total: number; byPart: Record<string, number> } {
  const skip = (p: Proc) => p.comm === 'sshd' || p.comm === 'time';
  const byPart: Record<string, number> = { node: table.get(process.pid)?.cpuMs ?? 0 };
  for (const c of table.values()) {
    if (c.ppid !== process.pid || skip(c)) continue;
    byPart[c.comm] = (byPart[c.comm] ?? 0) + subtreeCpu(table, c.pid, skip);
  }
  return { total: Object.values(byPart).reduce((a, b) => a + b, 0), byPart };
}

// --- Hosts: real sshds, restarted with a VERBOSE log of their own ------------------------------------
interface Host {
  name: string;
  sshd: TestSshd;
  sshdDir: string;
  log: string;
  child: ChildProcess;
}
async function startHost(i: number): Promise<Host> {
  const name = `h${String(i).padStart(2, '0')}`;
  const sshdDir = path.join(dir, `sshd-${name}`);
  const sshd = await startTestSshd(sshdDir);
  // Same keys, port and settings, but logging every connection and session to a file.
  await sshd.stop();
  const config = path.join(sshdDir, 'sshd_config');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^LogLevel .*$/m, 'LogLevel VERBOSE'));
  const log = path.join(sshdDir, 'sshd.log');
  writeFileSync(log, '');
  const child = spawn('/usr/sbin/sshd', ['-D', '-E', log, '-f', config], { stdio: 'ignore' });
  await waitForPort(sshd.port, 10_000);
  return { name, sshd, sshdDir, log, child };
}
async function stopHost(h: Host): Promise<void> {
  if (h.child.exitCode !== null || h.child.signalCode !== null) return;
  const exited = new Promise((r) => h.child.once('exit', r));
  h.child.kill('SIGTERM');
  await exited;
}
interface SshdCounts {
  connections: number;
  sessions: number;
}
function sshdCounts(hosts: Host[]): SshdCounts {
  let connections = 0;
  let sessions = 0;
  for (const h of hosts) {
    const text = readFileSync(h.log, 'utf8');
    connections += (text.match(/Connection from \S+ port \d+ on/g) ?? []).length;
    sessions += (text.match(/Starting session: command/g) ?? []).length;
  }
  return { connections, sessions };
}
const deviceCpu = (hosts: Host[], table = processTable()) =>
  hosts.reduce((a, h) => a + subtreeCpu(table, h.child.pid!), 0);

// --- A measured phase --------------------------------------------------------------------------------
interface Round {
  wallMs: number;
  newConnections: number;
  sessions: number;
  controllerCpuMs: number;
  deviceCpuMs: number;
  ok: number;
  detail?: Record<string, number>;
}
/** Runs `body` once, with connection and device-CPU counts taken around it; `controllerCpu` brackets it too. */
async function measure(
  hosts: Host[],
  controllerCpu: () => number,
  body: () => Promise<{ ok: number; controllerCpuMs?: number; detail?: Record<string, number> }>,
): Promise<Round> {
  const c0 = sshdCounts(hosts);
  const d0 = deviceCpu(hosts);
  const cpu0 = controllerCpu();
  const started = performance.now();
  const out = await body();
  const wallMs = performance.now() - started;
  const cpu1 = controllerCpu();
  await sleep(100); // the last sessions' log lines and reaping
  const d1 = deviceCpu(hosts);
  const c1 = sshdCounts(hosts);
  return {
    wallMs: round1(wallMs),
    newConnections: c1.connections - c0.connections,
    sessions: c1.sessions - c0.sessions,
    controllerCpuMs: round1(out.controllerCpuMs ?? cpu1 - cpu0),
    deviceCpuMs: round1(d1 - d0),
    ok: out.ok,
    ...(out.detail && { detail: out.detail }),
  };
}

// --- Ansible -----------------------------------------------------------------------------------------
const ansibleWork = path.join(dir, 'ansible');
const controlDir = path.join(ansibleWork, 'cp');
const ansibleEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PYTHONPATH: ansibleDir,
  ANSIBLE_CONFIG: path.join(ansibleWork, 'ansible.cfg'),
  ANSIBLE_HOME: path.join(ansibleWork, 'home'),
  ANSIBLE_LOCAL_TEMP: path.join(ansibleWork, 'tmp'),
  LC_ALL: 'C.UTF-8',
  LANG: 'C.UTF-8',
});
function writeAnsibleFiles(hosts: Host[]): void {
  mkdirSync(controlDir, { recursive: true });
  mkdirSync(path.join(ansibleWork, 'home'), { recursive: true });
  mkdirSync(path.join(ansibleWork, 'tmp'), { recursive: true });
  const knownHosts = path.join(ansibleWork, 'known_hosts');
  writeFileSync(
    knownHosts,
    hosts
      .map(
        (h) =>
          `[127.0.0.1]:${h.sshd.port} ${readFileSync(path.join(h.sshdDir, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ')}\n`,
      )
      .join(''),
  );
  const inventory = path.join(ansibleWork, 'inventory.ini');
  writeFileSync(
    inventory,
    [
      '[bench]',
      ...hosts.map(
        (h) =>
          `${h.name} ansible_host=127.0.0.1 ansible_port=${h.sshd.port} ansible_user=${TEST_DEVICE_USER} ansible_ssh_private_key_file=${h.sshd.clientKeyPath}`,
      ),
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(ansibleWork, 'ansible.cfg'),
    [
      '[defaults]',
      `inventory = ${inventory}`,
      'forks = 20',
      'host_key_checking = True',
      // Set rather than discovered: discovery would add a remote probe per host to every ad-hoc run.
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      '',
      '[ssh_connection]',
      `ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
      `control_path_dir = ${controlDir}`,
      'pipelining = True',
      '',
    ].join('\n'),
  );
}
const ansibleBin = (name: string) => path.join(ansibleDir, 'bin', name);
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
/** Control masters alive now: socket → { pid, cpuMs } (masters are daemonised, so /usr/bin/time never sees them). */
function controlMasters(): Map<string, { pid: number; cpuMs: number }> {
  const masters = new Map<string, { pid: number; cpuMs: number }>();
  if (!existsSync(controlDir)) return masters;
  const table = processTable();
  for (const sock of readdirSync(controlDir)) {
    const full = path.join(controlDir, sock);
    try {
      execFileSync('ssh', ['-O', 'check', '-o', `ControlPath=${full}`, 'bench'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch {
      continue;
    }
    // "Master running (pid=N)" goes to stderr; execFileSync only hands stderr back on failure, so ask /proc.
    const pid = [...table.values()].find((p) => p.comm === 'ssh' && readCmdline(p.pid).includes(full))?.pid;
    if (pid) masters.set(full, { pid, cpuMs: table.get(pid)!.cpuMs });
  }
  return masters;
}
function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
function exitControlMasters(): void {
  if (!existsSync(controlDir)) return;
  for (const sock of readdirSync(controlDir)) {
    try {
      execFileSync('ssh', ['-O', 'exit', '-o', `ControlPath=${path.join(controlDir, sock)}`, 'bench'], {
        stdio: 'ignore',
      });
    } catch {
      // not a live master
    }
  }
  for (const sock of readdirSync(controlDir)) rmSync(path.join(controlDir, sock), { force: true });
}
async function ansibleRound(hosts: Host[]): Promise<Round> {
  const before = controlMasters();
  const timeFile = path.join(ansibleWork, 'time.out');
  let parsed: { user: number; sys: number } = { user: NaN, sys: NaN };
  const round = await measure(
    hosts,
    () => 0,
    async () => {
      const res = await run(
        '/usr/bin/time',
        ['-f', '%U %S', '-o', timeFile, 'python3', ansibleBin('ansible'), 'all', '-m', 'shell', '-a', command, '-o'],
        ansibleEnv(),
      );
      const ok = res.stdout
        .split('\n')
        .filter((l) => /\| CHANGED \| rc=0 \|.*\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+\/\d+/.test(l)).length;
      if (res.code !== 0 || ok !== hosts.length)
        throw new Error(`ansible run: exit ${res.code}, ${ok}/${hosts.length} ok\n${res.stdout}\n${res.stderr}`);
      const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      parsed = { user: user! * 1000, sys: sys! * 1000 };
      return { ok };
    },
  );
  const after = controlMasters();
  let masterCpu = 0;
  for (const [sock, m] of after) masterCpu += m.cpuMs - (before.get(sock)?.pid === m.pid ? before.get(sock)!.cpuMs : 0);
  round.controllerCpuMs = round1(parsed.user + parsed.sys + masterCpu);
  round.detail = {
    ansible_tree_cpu_ms: round1(parsed.user + parsed.sys),
    control_master_cpu_ms: round1(masterCpu),
    control_masters_alive: after.size,
  };
  return round;
}

// --- The run -----------------------------------------------------------------------------------------
installAnsible();
const ansibleVersionLine = execFileSync('python3', [ansibleBin('ansible'), '--version'], {
  env: ansibleEnv(),
  encoding: 'utf8',
})
  .split('\n')[0]!
  .trim();

let servers: SharedServers | null = null;
let system: RunningSystem | null = null;
const hosts: Host[] = [];
try {
  servers = await startSharedServers(dir, logger);
  for (let i = 1; i <= hostCount; i++) hosts.push(await startHost(i));
  writeAnsibleFiles(hosts);

  // ---- ours ----
  system = await startSystem({
    temporalAddress: servers.temporalAddress,
    temporalUi: null,
    namespace: 'default',
    databaseUrl: servers.databaseUrl,
    instance: 'bench-ansible',
    bindAddress: '127.0.0.1',
    apiPort: null,
    mcpPort: null,
    runWorker: true,
    // Nothing scheduled and no watchers: the operations below are the only SSH traffic.
    pollingEnabled: false,
    configWatchEnabled: false,
    workflowBundle: { codePath: servers.workflowBundlePath },
    logger,
  });
  const sys = system;
  for (const h of hosts) {
    await sys.devices.create(
      {
        hostname: h.name,
        address: '127.0.0.1',
        port: h.sshd.port,
        username: h.sshd.username,
        identity_file: h.sshd.clientKeyPath,
        auth_method: 'key',
        device_type: 'linux',
        tags: [],
        location: null,
        description: null,
        monitoring_enabled: false,
      },
      ctx,
    );
  }
  const pool = sys.worker!.pool;
  const oursRound = () =>
    measure(
      hosts,
      () => ourCpu().total,
      async () => {
        const views = await Promise.all(hosts.map((h) => sys.operations.exec(h.name, command, ctx)));
        const ok = views.filter(
          (v) => v.state === 'completed' && v.result?.exit_code === 0 && /^\d+\.\d+ /.test(v.result.stdout),
        ).length;
        if (ok !== hosts.length)
          throw new Error(
            `ours: ${ok}/${hosts.length} ok: ${JSON.stringify(views.find((v) => v.state !== 'completed'))}`,
          );
        return { ok };
      },
    );
  const load = { ours_before: os.loadavg()[0]!, ours_after: NaN, ansible_before: NaN, ansible_after: NaN };
  const connects0 = pool.stats().connectsTotal;
  const oursCold = await oursRound();
  oursCold.detail = { pool_connects: pool.stats().connectsTotal - connects0 };
  const oursWarm: Round[] = [];
  for (let i = 0; i < warmRuns; i++) {
    await sleep(PAUSE_MS);
    const before = pool.stats().connectsTotal;
    const r = await oursRound();
    r.detail = { pool_connects: pool.stats().connectsTotal - before };
    oursWarm.push(r);
  }
  // The SSH part alone: the same command over the same pooled connections, no workflow, no audit.
  const targets = await Promise.all(
    hosts.map(async (h) =>
      sshTargetOf(
        await sys.db.selectFrom('devices').selectAll().where('hostname', '=', h.name).executeTakeFirstOrThrow(),
      ),
    ),
  );
  const directWarm: Round[] = [];
  for (let i = 0; i < warmRuns; i++) {
    await sleep(PAUSE_MS);
    directWarm.push(
      await measure(
        hosts,
        () => ourCpu().total,
        async () => {
          const outs = await Promise.all(targets.map((t) => pool.exec(t, command, { timeoutMs: 30_000 })));
          return { ok: outs.filter((o) => o.exitCode === 0).length };
        },
      ),
    );
  }
  // Cold SSH again, with Temporal and the worker warm: every pooled connection closed first.
  pool.closeAll();
  await sleep(PAUSE_MS);
  const before = pool.stats().connectsTotal;
  const oursRecold = await oursRound();
  oursRecold.detail = { pool_connects: pool.stats().connectsTotal - before };
  const operationsAudited = (
    await sys.db
      .selectFrom('operations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;
  const oursCpuParts = ourCpu().byPart;
  load.ours_after = os.loadavg()[0]!;

  // Our side down before Ansible runs, so it has the machine to itself as ours had.
  await sys.stop();
  system = null;
  await servers.stop();
  servers = null;
  await sleep(1000);

  // ---- Ansible ----
  const startup: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const res = await run('python3', [ansibleBin('ansible'), 'all', '--list-hosts'], ansibleEnv());
    if (res.code !== 0) throw new Error(`ansible --list-hosts: ${res.stderr}`);
    startup.push(performance.now() - t);
  }
  exitControlMasters();
  load.ansible_before = os.loadavg()[0]!;
  const ansCold = await ansibleRound(hosts);
  const ansWarm: Round[] = [];
  for (let i = 0; i < warmRuns; i++) {
    await sleep(PAUSE_MS);
    ansWarm.push(await ansibleRound(hosts));
  }
  exitControlMasters();
  await sleep(PAUSE_MS);
  const ansRecold = await ansibleRound(hosts);
  load.ansible_after = os.loadavg()[0]!;
  exitControlMasters();

  // ---- report ----
  const warmSummary = (rs: Round[]) => ({
    wall_ms: summary(rs.map((r) => r.wallMs)),
    new_connections_total: rs.reduce((a, r) => a + r.newConnections, 0),
    sessions_per_run: summary(rs.map((r) => r.sessions)).p50,
    controller_cpu_ms: summary(rs.map((r) => r.controllerCpuMs)),
    device_cpu_ms: summary(rs.map((r) => r.deviceCpuMs)),
  });
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}`,
    versions: {
      ansible: ansibleVersionLine,
      python: execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim(),
      openssh: spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim(),
    },
    settings: { hosts: hostCount, warm_runs: warmRuns, command, pause_ms: PAUSE_MS },
    /** 1-minute load average around each side's phases: anything else running on the machine shows here. */
    load_average: Object.fromEntries(Object.entries(load).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    ours: {
      cold: oursCold,
      warm: oursWarm,
      warm_summary: warmSummary(oursWarm),
      recold: oursRecold,
      direct_pool_exec_warm: warmSummary(directWarm),
      operations_recorded: Number(operationsAudited),
      cpu_by_part_whole_run_ms: Object.fromEntries(Object.entries(oursCpuParts).map(([k, v]) => [k, round1(v)])),
    },
    ansible: {
      startup_list_hosts_ms: summary(startup),
      cold: ansCold,
      warm: ansWarm,
      warm_summary: warmSummary(ansWarm),
      recold: ansRecold,
    },
  };

  const w = (rs: Round[]) => warmSummary(rs);
  const ow = w(oursWarm);
  const aw = w(ansWarm);
  const rows: Array<[string, string, string]> = [
    ['cold run, wall', `${oursCold.wallMs} ms`, `${ansCold.wallMs} ms`],
    [
      `warm runs (${warmRuns}), wall p50 / max`,
      `${ow.wall_ms.p50} / ${ow.wall_ms.max} ms`,
      `${aw.wall_ms.p50} / ${aw.wall_ms.max} ms`,
    ],
    ['cold again (SSH closed, rest warm), wall', `${oursRecold.wallMs} ms`, `${ansRecold.wallMs} ms`],
    ['new TCP connections: cold', `${oursCold.newConnections}`, `${ansCold.newConnections}`],
    [`new TCP connections: ${warmRuns} warm runs`, `${ow.new_connections_total}`, `${aw.new_connections_total}`],
    ['new TCP connections: cold again', `${oursRecold.newConnections}`, `${ansRecold.newConnections}`],
    ['exec sessions per run (sshd)', `${ow.sessions_per_run}`, `${aw.sessions_per_run}`],
    ['controller CPU: cold', `${oursCold.controllerCpuMs} ms`, `${ansCold.controllerCpuMs} ms`],
    ['controller CPU: warm p50', `${ow.controller_cpu_ms.p50} ms`, `${aw.controller_cpu_ms.p50} ms`],
    [`device-side CPU (${hostCount} sshds): cold`, `${oursCold.deviceCpuMs} ms`, `${ansCold.deviceCpuMs} ms`],
    [`device-side CPU (${hostCount} sshds): warm p50`, `${ow.device_cpu_ms.p50} ms`, `${aw.device_cpu_ms.p50} ms`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(
    [
      `Same command on ${hostCount} hosts (\`${command}\`): infrastructor vs ${ansibleVersionLine}`,
      `  ${'measure'.padEnd(width)}  ${'infrastructor'.padEnd(22)}  ansible -m shell`,
      ...rows.map(([k, a, b]) => `  ${k.padEnd(width)}  ${a.padEnd(22)}  ${b}`),
      `  ours, pool connects: cold ${oursCold.detail?.pool_connects}, warm ${oursWarm.map((r) => r.detail?.pool_connects).join('+')}, cold again ${oursRecold.detail?.pool_connects}`,
      `  1-minute load average: ours ${result.load_average.ours_before} → ${result.load_average.ours_after}, Ansible ${result.load_average.ansible_before} → ${result.load_average.ansible_after}`,
      `  ours, direct pooled exec (no workflow) warm p50 ${result.ours.direct_pool_exec_warm.wall_ms.p50} ms; Ansible start-up alone (--list-hosts) p50 ${result.ansible.startup_list_hosts_ms.p50} ms`,
      '',
      JSON.stringify(result, null, 2),
      '',
    ].join('\n'),
  );
} finally {
  exitControlMasters();
  rmSync(controlDir, { recursive: true, force: true });
  if (system) await system.stop().catch((err: unknown) => logger.warn('system stop failed', { error: String(err) }));
  for (const h of hosts) {
    await stopHost(h);
    await h.sshd.stop();
  }
  if (servers) await servers.stop();
}
