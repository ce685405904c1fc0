import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { collectors, DATA_TYPES, type DataType } from '../domain/collectors/registry.ts';
import type { Logger } from '../platform/logger.ts';
import type { CollectionInput } from '../schema/collection.ts';
import type { DeviceFollower, FollowedDevice } from './device-follower.ts';
import type { RetentionInput } from '../workflows/retention.ts';
import { DATA_TYPE_ATTRIBUTE, DEVICE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';

/**
 * Polling as Temporal Schedules: one per device and data type, at the type's interval. Kept in step
 * with the device list: created when a device is added or monitoring is turned on, deleted otherwise,
 * and only for the types whose capability the device has.
 */
export class ScheduleService implements DeviceFollower {
  /**
   * The interval each schedule was given, or found running with, by this process. Detection re-syncs a
   * device's schedules right after registration (and a late detection minutes later): without this,
   * each existing schedule would be described again, and a describe is a query on the schedule's
   * workflow (500 devices registering filled the dev server's query buffer with them). Every process
   * derives a schedule from the same stored device, so what another process set is what this one would;
   * a hand edit in the Web UI is put right at the next start-up, which describes everything.
   */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly client: Client,
    private readonly instance: string,
    private readonly logger: Logger,
    private readonly enabled: boolean,
  ) {}

  scheduleId(hostname: string, dataType: DataType): string {
    return `${this.instance}-poll-${hostname}-${dataType}`;
  }

  async syncDevice(device: FollowedDevice): Promise<void> {
    if (!this.enabled) return;
    for (const dataType of DATA_TYPES) {
      if (isPolled(device, dataType)) await this.ensure(device.hostname, dataType, device.maintenance !== null);
      else await this.remove(device.hostname, dataType);
    }
  }

  async removeDevice(hostname: string): Promise<void> {
    if (!this.enabled) return;
    for (const dataType of DATA_TYPES) await this.remove(hostname, dataType);
  }

  /** At start-up: create what is missing, delete schedules of devices that are gone. */
  async reconcile(devices: FollowedDevice[]): Promise<void> {
    if (!this.enabled) return;
    const wanted = new Set<string>();
    for (const d of devices) {
      for (const t of DATA_TYPES) if (isPolled(d, t)) wanted.add(this.scheduleId(d.hostname, t));
    }
    const prefix = `${this.instance}-poll-`;
    for await (const s of this.client.schedule.list()) {
      if (s.scheduleId.startsWith(prefix) && !wanted.has(s.scheduleId)) {
        // Listing lags behind: a schedule deleted meanwhile (capabilities changed) may still be listed.
        await this.deleteSchedule(s.scheduleId);
        this.logger.info('deleted stale schedule', { schedule_id: s.scheduleId });
      }
    }
    for (const d of devices) {
      await this.syncDevice(d);
      // Added while polling was off, or never answered: detection need not wait for its daily tick.
      if (Object.keys(d.capabilities).length === 0) await this.detectNow(d.hostname);
    }
  }

  /** Detects the device's capabilities now; nothing when the device is not polled (no schedule to trigger). */
  async detectNow(hostname: string): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.client.schedule.getHandle(this.scheduleId(hostname, 'capabilities')).trigger();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  /** Retention of every data type (defaults overridden by RETENTION_DAYS); the purge runs every 6 hours, the audit log's too. */
  retentionDays(overrides: Record<string, number>): Record<DataType, number> {
    return Object.fromEntries(DATA_TYPES.map((t) => [t, overrides[t] ?? collectors[t].retentionDays])) as Record<
      DataType,
      number
    >;
  }

  async ensureRetention(overrides: Record<string, number>, auditRetentionDays: number): Promise<void> {
    if (!this.enabled) return;
    const scheduleId = `${this.instance}-retention`;
    const input: RetentionInput = { retentionDays: this.retentionDays(overrides), auditRetentionDays };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: 'retentionWorkflow',
      workflowId: `${this.instance}-retention`,
      taskQueue: this.instance,
      args: [input],
    };
    try {
      await this.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '6h' }] },
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      });
      this.logger.info('created retention schedule', {
        schedule_id: scheduleId,
        retention_days: input.retentionDays,
        audit_retention_days: auditRetentionDays,
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      // Settings may have changed since the last start: the schedule carries the current ones.
      await this.client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, action }));
    }
  }

  private async ensure(hostname: string, dataType: DataType, inMaintenance: boolean): Promise<void> {
    const scheduleId = this.scheduleId(hostname, dataType);
    const intervalSeconds = pollIntervalSeconds(dataType, inMaintenance);
    const offset = offsetSeconds(hostname, dataType, intervalSeconds);
    const interval = { every: `${intervalSeconds}s`, offset: `${offset}s` };
    const input: CollectionInput = {
      hostname,
      dataType,
      trigger: 'schedule',
      forceRefresh: false,
      correlationId: null,
      intervalSeconds,
    };
    const spec = { intervals: [interval] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: 'collectWorkflow',
      workflowId: `${this.instance}-scheduled-${hostname}-${dataType}`,
      taskQueue: this.instance,
      args: [input],
      typedSearchAttributes: [
        { key: DEVICE_ATTRIBUTE, value: hostname },
        { key: DATA_TYPE_ATTRIBUTE, value: dataType },
        { key: TRIGGER_ATTRIBUTE, value: 'schedule' },
      ],
    };
    // Overlapping runs are allowed: a run gives up when the next is due (input.intervalSeconds), which
    // keeps a slow device from piling them up. Skipping overlaps instead makes the server track every run
    // it starts, which doubled its CPU per tick (BENCHMARKS.md, fifth pass).
    // After an outage, a missed tick is made up only while no later one is due (ALLOW_ALL would make
    // up every missed tick in the window).
    const catchupSeconds = Math.min(intervalSeconds, 60);
    const policies = { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: `${catchupSeconds}s` };
    const known = `${interval.every}+${interval.offset}`;
    try {
      await this.client.schedule.create({ scheduleId, spec, action, policies });
      this.known.set(scheduleId, known);
      this.logger.info('created schedule', { schedule_id: scheduleId, ...interval });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      if (this.known.get(scheduleId) === known) return;
      const handle = this.client.schedule.getHandle(scheduleId);
      const current = await handle.describe().catch((describeErr: unknown) => {
        if (describeErr instanceof ScheduleNotFoundError) return null;
        throw describeErr;
      });
      if (current === null) {
        // Deleted between our create and describe (a detection that found the type unavailable): make it again.
        await this.client.schedule.create({ scheduleId, spec, action, policies });
        this.known.set(scheduleId, known);
        return;
      }
      const [existing] = current.spec.intervals ?? [];
      const [existingInput] =
        current.action.type === 'startWorkflow'
          ? (current.action.args as Array<Partial<CollectionInput> | undefined>)
          : [];
      const stale =
        existing?.every !== intervalSeconds * 1000 ||
        (existing.offset ?? 0) !== offset * 1000 ||
        existingInput?.intervalSeconds !== intervalSeconds ||
        current.policies.overlap !== policies.overlap ||
        current.policies.catchupWindow !== catchupSeconds * 1000;
      // Made by an earlier version, changed in the Web UI, or the device entered or left maintenance.
      if (stale)
        await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
      if (current.state.paused) await handle.unpause('monitoring enabled');
      this.known.set(scheduleId, known);
    }
  }

  private remove(hostname: string, dataType: DataType): Promise<void> {
    return this.deleteSchedule(this.scheduleId(hostname, dataType));
  }

  /** Deleting what is already gone is done. */
  private async deleteSchedule(scheduleId: string): Promise<void> {
    this.known.delete(scheduleId);
    try {
      await this.client.schedule.getHandle(scheduleId).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
}

/**
 * A device in maintenance is being worked on: containers come and go on purpose and reboots are
 * expected, so it is looked at no more often than every 30 minutes. Leaving restores the type's interval.
 */
export const MAINTENANCE_POLL_INTERVAL_SECONDS = 1800;

export function pollIntervalSeconds(dataType: DataType, inMaintenance: boolean): number {
  const normal = collectors[dataType].pollIntervalSeconds;
  return inMaintenance ? Math.max(normal, MAINTENANCE_POLL_INTERVAL_SECONDS) : normal;
}

function isPolled(device: FollowedDevice, dataType: DataType): boolean {
  const capability = collectors[dataType].requiredCapability;
  return device.monitoring_enabled && (capability === undefined || device.capabilities[capability] !== false);
}

/**
 * Where in its interval a device's schedule fires, spread by a hash of device and type: a fleet whose
 * schedules all fired on the same second would meet the worker as one burst per interval.
 */
function offsetSeconds(hostname: string, dataType: DataType, intervalSeconds: number): number {
  return createHash('sha256').update(`${hostname}/${dataType}`).digest().readUInt32BE(0) % intervalSeconds;
}
