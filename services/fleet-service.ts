import { z } from 'zod';
import { DeviceView } from '../schema/device.ts';
import { deviceView } from '../store/devices.ts';
import { ContainersData } from '../domain/collectors/containers.ts';
import type {
  FleetContainer,
  FleetContainerSource,
  FleetContainersAnswer,
  FleetContainersQuery,
} from '../schema/fleet-containers.ts';
import { ServiceError } from './service-error.ts';
import type { Repositories } from '../store/index.ts';

/** The newest stored metrics of a device, as the scalar columns its snapshot table keeps for charts. */
/** A device's newest stored metrics, as the fleet page charts them. */
export const FleetMetrics = z.looseObject({
  collected_at: z.iso.datetime(),
  cpu_percent: z.number().nullable(),
  memory_used_percent: z.number().nullable(),
  disk_max_used_percent: z.number().nullable(),
  load_1: z.number().nullable(),
  load_5: z.number().nullable(),
  load_15: z.number().nullable(),
  cores: z.int().nullable(),
});
export type FleetMetrics = z.output<typeof FleetMetrics>;

/** A device's newest stored container counts. */
export const FleetContainers = z.looseObject({
  collected_at: z.iso.datetime(),
  docker_available: z.boolean(),
  total: z.int(),
  running: z.int(),
  exited: z.int(),
  unhealthy: z.int(),
});
export type FleetContainers = z.output<typeof FleetContainers>;

/** One device of `GET /api/fleet` and MCP `fleet_overview`. */
export const FleetDevice = z.looseObject({
  device: DeviceView,
  metrics: FleetMetrics.nullable(),
  containers: FleetContainers.nullable(),
  /** Alerts firing now, and the worst of their severities. */
  alerts: z.looseObject({ firing: z.int(), worst_severity: z.string().nullable() }),
});
export type FleetDevice = z.output<typeof FleetDevice>;

const SEVERITY_RANK: Record<string, number> = { critical: 3, warning: 2, info: 1 };

/**
 * One answer for the fleet page: every device with its newest stored metrics and container counts and
 * its firing alerts, in three queries whatever the fleet's size. It reads what is stored and never
 * collects: a page of 500 devices must not start 1 000 collections.
 */
export class FleetService {
  constructor(private readonly store: Pick<Repositories, 'alerts' | 'fleet'>) {}

  /**
   * Every container of the fleet (or of one device) from each device's newest stored containers answer,
   * filtered, ordered by device and name, one page at a time. Like `summary`, it never collects: the
   * sources say how old each device's answer is.
   */
  async containers(query: FleetContainersQuery): Promise<FleetContainersAnswer> {
    const rows = await this.store.fleet.latestContainersByDevice(query.device);
    if (query.device !== undefined && rows.length === 0)
      throw new ServiceError('device_not_found', 404, `no device named ${query.device}`);
    const name = query.name?.toLowerCase();
    const matching: FleetContainer[] = [];
    const sources: FleetContainerSource[] = [];
    for (const row of rows) {
      // An answer stored by an older version, no longer of today's shape, is as good as none until the next collection.
      const parsed = row.data === null ? null : ContainersData.safeParse(row.data);
      const data = parsed?.success ? parsed.data : null;
      const collectedAt = row.collected_at?.toISOString() ?? null;
      sources.push({
        device: row.hostname,
        collected_at: collectedAt,
        docker_available: data?.docker_available ?? null,
      });
      if (data === null || collectedAt === null) continue;
      const containers = [...data.containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const container of containers) {
        if (query.state !== undefined && container.state !== query.state) continue;
        if (name !== undefined && !container.name.toLowerCase().includes(name)) continue;
        matching.push({ ...container, device: row.hostname, collected_at: collectedAt });
      }
    }
    return {
      containers: matching.slice(query.offset, query.offset + query.limit),
      total: matching.length,
      limit: query.limit,
      offset: query.offset,
      sources,
    };
  }

  async summary(): Promise<{ devices: FleetDevice[] }> {
    const rows = await this.store.fleet.latestRows();
    const firing = await this.store.alerts.firing();
    const alerts = new Map<string, { firing: number; worst_severity: string | null }>();
    for (const a of firing) {
      const entry = alerts.get(a.hostname) ?? { firing: 0, worst_severity: null };
      entry.firing++;
      if ((SEVERITY_RANK[a.severity] ?? 0) > (SEVERITY_RANK[entry.worst_severity ?? ''] ?? 0))
        entry.worst_severity = a.severity;
      alerts.set(a.hostname, entry);
    }
    return {
      devices: rows.map((r) => ({
        device: deviceView(r),
        metrics: r.metrics_collected_at
          ? {
              collected_at: r.metrics_collected_at.toISOString(),
              cpu_percent: r.cpu_percent,
              memory_used_percent: r.memory_used_percent,
              disk_max_used_percent: r.disk_max_used_percent,
              load_1: r.load_1,
              load_5: r.load_5,
              load_15: r.load_15,
              cores: r.cores,
            }
          : null,
        containers: r.containers_collected_at
          ? {
              collected_at: r.containers_collected_at.toISOString(),
              docker_available: r.docker_available ?? false,
              total: r.total ?? 0,
              running: r.running ?? 0,
              exited: r.exited ?? 0,
              unhealthy: r.unhealthy ?? 0,
            }
          : null,
        alerts: alerts.get(r.hostname) ?? { firing: 0, worst_severity: null },
      })),
    };
  }
}
