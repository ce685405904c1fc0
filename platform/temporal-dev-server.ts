import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from './logger.ts';

export interface TemporalDevServerHandle {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export interface TemporalDevServerOptions {
  cli: string;
  dataDir: string;
  port: number;
  /** null: no Web UI (tests). */
  uiPort: number | null;
  namespace: string;
  logger: Logger;
}

/** Runs `temporal server start-dev` with its state in a SQLite file, and waits until it answers. */
export async function startTemporalDevServer(o: TemporalDevServerOptions): Promise<TemporalDevServerHandle> {
  await mkdir(o.dataDir, { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', path.join(o.dataDir, 'temporal.db'),
    // SQLite's default rollback journal with a full sync per transaction costs every workflow step a
    // few milliseconds of fsync (a fresh read ~50 ms of its ~155). WAL with synchronous=NORMAL survives a
    // crash of the server or of this process; only a power cut can drop the last commits, never corrupt.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--ip', '127.0.0.1',
    '--port', String(o.port),
    '--namespace', o.namespace,
    '--log-level', 'warn',
  ];
  if (o.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  const child = spawn(o.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // If this process dies without its orderly stop, the server must not outlive it holding the port.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const address = `127.0.0.1:${o.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`temporal dev server exited with ${child.exitCode}:\n${output.join('')}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not answer on ${address}: ${String(err)}\n${output.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  o.logger.info('Temporal dev server started', { address, ui: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : 'off' });
  return {
    address,
    uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : null,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
