import { inspect } from 'node:util';

export interface WaitOptions<T> {
  /** When the value read counts as the one waited for; by default, any value but undefined, null and false. */
  until?: (value: T) => boolean;
  timeoutMs?: number;
  intervalMs?: number;
}

const found = (value: unknown) => value !== undefined && value !== null && value !== false;

/**
 * Reads `check` every `intervalMs` until it yields the value waited for, and answers that value; after
 * `timeoutMs` it fails with an error naming `what` and showing the last value read, so a test waits for
 * a state instead of sleeping and says what never came. Errors thrown by `check` end the wait.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  opts: WaitOptions<T> & { until: (value: T) => boolean },
): Promise<T>;
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  opts?: WaitOptions<T>,
): Promise<Exclude<T, undefined | null | false>>;
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { until = found, timeoutMs = 20_000, intervalMs = 100 }: WaitOptions<T> = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (until(value)) return value;
    if (Date.now() >= deadline) {
      const seen = inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 4_000 });
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `promise`, or a rejection naming `what` once `timeoutMs` has passed: a safety net, so a test fails instead of hanging. */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
