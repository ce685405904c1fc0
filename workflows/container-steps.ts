import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ContainerInfo, ContainersData } from '../domain/collectors/containers.ts';
import type { Trigger } from '../schema/database.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';

const { collect } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
});

/** How long a step waits for a started container to run (and be healthy, when it has a healthcheck). */
export const READY_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 2_000;

interface Requester {
  hostname: string;
  trigger: Trigger;
  correlationId: string | null;
}

/** A fresh `containers` collection, stored and audited like any other. */
export async function freshContainers(r: Requester): Promise<ContainersData> {
  const result = await collect({
    hostname: r.hostname,
    dataType: 'containers',
    trigger: r.trigger,
    forceRefresh: true,
    correlationId: r.correlationId,
  });
  return result.data as ContainersData;
}

export interface Readiness {
  state: string | null;
  ok: boolean;
  /** Waiting longer cannot help (gone, exited). */
  final: boolean;
  detail: string | null;
}

/** Running, and healthy when it has a healthcheck. */
export function readiness(container: ContainerInfo | undefined): Readiness {
  if (!container) return { state: null, ok: false, final: true, detail: 'container no longer exists' };
  if (container.state === 'exited' || container.state === 'dead') {
    return {
      state: container.state,
      ok: false,
      final: true,
      detail: `exited with code ${container.exit_code ?? 'unknown'}`,
    };
  }
  if (container.state !== 'running')
    return { state: container.state, ok: false, final: false, detail: container.status };
  if (container.health === 'unhealthy') return { state: container.state, ok: false, final: false, detail: 'unhealthy' };
  if (container.health === 'starting')
    return { state: container.state, ok: false, final: false, detail: 'health check starting' };
  return {
    state: container.state,
    ok: true,
    final: true,
    detail: container.health ? `running (${container.health})` : 'running',
  };
}

/** Polls the device (durable timers between looks) until the container is ready, gone, or out of time. */
export async function waitUntilReady(r: Requester, name: string, timeoutMs = READY_TIMEOUT_MS): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verdict = readiness((await freshContainers(r)).containers.find((c) => c.name === name));
    if (verdict.ok || verdict.final) return verdict;
    if (Date.now() >= deadline)
      return {
        ...verdict,
        final: true,
        detail: `not ready after ${Math.round(timeoutMs / 1000)} s: ${verdict.detail}`,
      };
    await sleep(READY_POLL_MS);
  }
}
