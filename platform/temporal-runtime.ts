import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from './logger.ts';

let installed = false;

/** Sends the Temporal SDK's own logs (worker state, core) through our logger, warnings and up. */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    // Our process owns shutdown order (API, worker, then the servers it started); the SDK must not exit first.
    shutdownSignals: [],
    logger: new DefaultLogger('WARN', (entry: LogEntry) => {
      const level = entry.level === 'ERROR' ? 'error' : 'warn';
      logger.log(level, entry.message, { sdk: true, ...entry.meta });
    }),
  });
}
