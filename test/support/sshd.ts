import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from './ports.ts';

/**
 * A real OpenSSH server on a loopback port, as a test device: its own host key, authorized key,
 * PidFile and PATH (stand-in binaries such as `docker` first). The system sshd is never touched.
 * Logins use a dedicated account whose login shell is /bin/sh, so no heavy ~/.bashrc slows commands.
 */
export interface TestSshd {
  port: number;
  username: string;
  /** Private key a device record points at. */
  clientKeyPath: string;
  /** Directory on the device's PATH before the system's: put stand-in commands here. */
  binDir: string;
  /** Each stand-in appends a line here per call, so tests count executions on the device side. */
  execLog: string;
  hostKeyFingerprint(): string;
  countCalls(pattern: RegExp): number;
  standIn(name: string, script: string): void;
  /** A new host key, as after a reinstall; sshd restarts on the same port. */
  rotateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_DEVICE_USER = 'infra-test-device';
const TEST_DEVICE_HOME = '/var/lib/infra-test-device';

function ensureTestUser(): void {
  try {
    execFileSync('id', ['-u', TEST_DEVICE_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      TEST_DEVICE_HOME,
      '--shell',
      '/bin/sh',
      TEST_DEVICE_USER,
    ]);
  }
  // An existing home keeps sshd from printing "Could not chdir to home directory" into every stderr.
  mkdirSync(TEST_DEVICE_HOME, { recursive: true, mode: 0o755 });
  execFileSync('usermod', ['-d', TEST_DEVICE_HOME, TEST_DEVICE_USER]);
  // sshd refuses accounts whose password is locked ('!'); '*' means "no password" but not locked.
  execFileSync('usermod', ['-p', '*', TEST_DEVICE_USER]);
}

/** uid and gid of the device user, for files its commands must be able to change. */
export function devicePasswdEntry(): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) =>
    Number(execFileSync('id', [flag, TEST_DEVICE_USER], { encoding: 'utf8' }).trim()),
  );
  return { uid: uid!, gid: gid! };
}

export async function startTestSshd(dir: string): Promise<TestSshd> {
  ensureTestUser();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  // sshd (as root) needs its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKeyPath = path.join(dir, 'client_ed25519');
  const binDir = path.join(dir, 'bin');
  const execLog = path.join(dir, 'exec.log');
  mkdirSync(binDir, { mode: 0o755 });
  chmodSync(binDir, 0o755);
  writeFileSync(execLog, '', { mode: 0o666 });
  chmodSync(execLog, 0o666);
  keygen(hostKey);
  keygen(clientKeyPath);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKeyPath}.pub`), { mode: 0o644 });

  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${TEST_DEVICE_USER}`,
      'MaxSessions 10',
      'MaxStartups 100:30:200',
      `SetEnv PATH=${binDir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin INFRA_TEST_EXEC_LOG=${execLog}`,
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitForPort(port, 10_000);
    } catch (err) {
      throw new Error(`test sshd did not start: ${String(err)}\n${stderr}`);
    }
  };
  const stopChild = async () => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await start();

  const standIn = (name: string, script: string) => {
    const file = path.join(binDir, name);
    writeFileSync(file, script, { mode: 0o755 });
    chmodSync(file, 0o755);
  };

  return {
    port,
    username: TEST_DEVICE_USER,
    clientKeyPath,
    binDir,
    execLog,
    hostKeyFingerprint: () =>
      execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!,
    countCalls: (pattern) =>
      readFileSync(execLog, 'utf8')
        .split('\n')
        .filter((l) => pattern.test(l)).length,
    standIn,
    async rotateHostKey() {
      await stopChild();
      rmSync(hostKey, { force: true });
      rmSync(`${hostKey}.pub`, { force: true });
      keygen(hostKey);
      await start();
    },
    stop: stopChild,
  };
}

function keygen(file: string): void {
  if (existsSync(file)) rmSync(file);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'infrastructor-test', '-f', file]);
  chmodSync(file, 0o600);
}
