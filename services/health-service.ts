import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Repositories } from '../store/index.ts';

/** One part of the system (Temporal, the database, the worker): up or down, and how long it took to answer. */
export const PartHealth = z.looseObject({
  status: z.enum(['ok', 'down']),
  latency_ms: z.number().optional(),
  error: z.string().optional(),
});
export type PartHealth = z.output<typeof PartHealth>;

/** `/health` and MCP `infrastructure_health`. */
export const HealthReport = z.looseObject({
  status: z.enum(['ok', 'degraded']),
  temporal: PartHealth,
  database: PartHealth,
  worker: PartHealth,
  devices: z.object({ total: z.int(), by_status: z.record(z.string(), z.int()) }).nullable(),
  checked_at: z.iso.datetime(),
});
export type HealthReport = z.output<typeof HealthReport>;

/** Reports each part of the system; `/health` and MCP `infrastructure_health` both answer with it. */
export class HealthService {
  constructor(
    private readonly store: Pick<Repositories, 'devices' | 'health'>,
    private readonly client: Client,
    private readonly describe: {
      temporalAddress: string;
      namespace: string;
      taskQueue: string;
      temporalUi: string | null;
    },
  ) {}

  async report(): Promise<HealthReport> {
    const [database, temporal, worker] = await Promise.all([
      this.checkDatabase(),
      this.checkTemporal(),
      this.checkWorker(),
    ]);
    let devices: HealthReport['devices'] = null;
    if (database.status === 'ok') {
      const by_status = await this.store.devices.countsByStatus();
      devices = { total: Object.values(by_status).reduce((a, b) => a + b, 0), by_status };
    }
    const ok = database.status === 'ok' && temporal.status === 'ok' && worker.status === 'ok';
    return {
      status: ok ? 'ok' : 'degraded',
      temporal,
      database,
      worker,
      devices,
      checked_at: new Date().toISOString(),
    };
  }

  private async checkDatabase(): Promise<PartHealth> {
    return timed(async () => {
      await this.store.health.ping();
      return {};
    });
  }

  private async checkTemporal(): Promise<PartHealth> {
    return timed(async () => {
      await this.client.connection.workflowService.getSystemInfo({});
      return {
        address: this.describe.temporalAddress,
        namespace: this.describe.namespace,
        web_ui: this.describe.temporalUi,
      };
    });
  }

  /** A worker is healthy when Temporal sees one polling our task queue. */
  private async checkWorker(): Promise<PartHealth> {
    return timed(async () => {
      const described = await this.client.connection.workflowService.describeTaskQueue({
        namespace: this.describe.namespace,
        taskQueue: { name: this.describe.taskQueue },
        taskQueueType: 1, // workflow task queue
      });
      const pollers = described.pollers?.length ?? 0;
      if (pollers === 0) throw new Error(`no worker is polling task queue ${this.describe.taskQueue}`);
      return { task_queue: this.describe.taskQueue, pollers };
    });
  }
}

async function timed(check: () => Promise<Record<string, unknown>>): Promise<PartHealth> {
  const started = performance.now();
  try {
    const extra = await check();
    return { status: 'ok', latency_ms: Math.round(performance.now() - started), ...extra };
  } catch (err) {
    return {
      status: 'down',
      latency_ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}
