import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from './logger.ts';
import { startServerProcess } from './server-process.ts';
import { ensurePortFree, StartFailure } from './start-failure.ts';

export interface TemporalDevServerHandle {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
  /** At once, for a forced exit. */
  kill(): void;
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
    'server',
    'start-dev',
    '--db-filename',
    path.join(o.dataDir, 'temporal.db'),
    // SQLite's default rollback journal with a full sync per transaction costs every workflow step a
    // few milliseconds of fsync (a fresh read ~50 ms of its ~155). WAL with synchronous=NORMAL survives a
    // crash of the server or of this process; only a power cut can drop the last commits, never corrupt.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--namespace',
    o.namespace,
    '--log-level',
    'warn',
  ];
  if (o.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  await ensurePortFree(o.port, '127.0.0.1', "the Temporal dev server's", 'EMBEDDED_TEMPORAL_PORT');
  if (o.uiPort !== null) await ensurePortFree(o.uiPort, '127.0.0.1', "the Temporal Web UI's", 'TEMPORAL_UI_PORT');
  const server = startServerProcess(o.cli, args, {
    stopSignal: 'SIGTERM',
    // Go collects garbage when its heap reaches 1.5 times the live data instead of twice: about 20 MB
    // less at idle; at 500 devices 650 instead of 820 MB at most, for 80 instead of 69 % of a core
    // (BENCHMARKS.md, 2026-12-07). A GOGC in the environment wins.
    env: { GOGC: '50', ...process.env },
  });
  const failure = (cause: string) => {
    const output = server.recentOutput();
    o.logger.debug('Temporal dev server output', { lines: output });
    return new StartFailure(
      `${cause}: ${output.at(-1) ?? 'no output'}`,
      'LOG_LEVEL=debug logs its output; or set TEMPORAL_ADDRESS to use another Temporal server',
    );
  };

  const address = `127.0.0.1:${o.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.hasExited()) throw failure('the Temporal dev server exited during start-up');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        server.kill();
        throw failure(`the Temporal dev server did not answer on ${address} within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  o.logger.info('Temporal dev server started', { address, ui: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : 'off' });
  return {
    address,
    uiUrl: o.uiPort ? `http://127.0.0.1:${o.uiPort}` : null,
    stop: () => server.stop(10_000),
    kill: server.kill,
  };
}
