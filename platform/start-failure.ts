import net from 'node:net';

/** A start-up failure with what the operator can do about it, printed as one line without a stack trace. */
export class StartFailure extends Error {
  override readonly name = 'StartFailure';
  constructor(cause: string, remedy: string) {
    super(`${cause}; ${remedy}`);
  }
}

/** The one line `npm start` prints when it cannot start: cause and remedy. */
export function startFailureLine(err: unknown): string {
  if (err instanceof StartFailure) return err.message;
  const firstLine = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return `${firstLine}; LOG_LEVEL=debug logs the details`;
}

/**
 * Fails before a server starts when its port is taken (most often by another infrastructor): a Temporal
 * dev server that cannot listen would otherwise leave us talking to the other one's.
 */
export async function ensurePortFree(port: number, host: string, what: string, setting: string): Promise<void> {
  const probe = net.createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    probe.once('error', resolve);
    probe.listen(port, host, () => resolve(null));
  });
  if (!error) {
    await new Promise((resolve) => probe.close(resolve));
  } else if (error.code === 'EADDRINUSE') {
    throw new StartFailure(
      `${what} port ${port} is already in use`,
      `stop what listens there (another infrastructor?), or set ${setting}`,
    );
  }
}
