import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { collectors, DATA_TYPES, type DataType } from '../activities/collectors/registry.ts';
import type { Logger } from '../platform/logger.ts';
import type { CollectionInput } from '../schema/collection.ts';
import { DATA_TYPE_ATTRIBUTE, DEVICE_ATTRIBUTE, TRIGGER_ATTRIBUTE } from '../workflows/search-attributes.ts';

export interface ScheduledDevice {
  hostname: string;
  monitoring_enabled: boolean;
}

/**
 * Polling as Temporal Schedules: one per device and data type, at the type's interval. Kept in step
 * with the device list: created when a device is added or monitoring is turned on, deleted otherwise.
 */
export class ScheduleService {
  constructor(
    private readonly client: Client,
    private readonly instance: string,
    private readonly logger: Logger,
    private readonly enabled: boolean,
  ) {}

  scheduleId(hostname: string, dataType: DataType): string {
    return `${this.instance}-poll-${hostname}-${dataType}`;
  }

  async syncDevice(device: ScheduledDevice): Promise<void> {
    if (!this.enabled) return;
    for (const dataType of DATA_TYPES) {
      if (device.monitoring_enabled) await this.ensure(device.hostname, dataType);
      else await this.remove(device.hostname, dataType);
    }
  }

  async removeDevice(hostname: string): Promise<void> {
    if (!this.enabled) return;
    for (const dataType of DATA_TYPES) await this.remove(hostname, dataType);
  }

  /** At start-up: create what is missing, delete schedules of devices that are gone. */
  async reconcile(devices: ScheduledDevice[]): Promise<void> {
    if (!this.enabled) return;
    const wanted = new Set<string>();
    for (const d of devices) {
      if (!d.monitoring_enabled) continue;
      for (const t of DATA_TYPES) wanted.add(this.scheduleId(d.hostname, t));
    }
    const prefix = `${this.instance}-poll-`;
    for await (const s of this.client.schedule.list()) {
      if (s.scheduleId.startsWith(prefix) && !wanted.has(s.scheduleId)) {
        await this.client.schedule.getHandle(s.scheduleId).delete();
        this.logger.info('deleted stale schedule', { schedule_id: s.scheduleId });
      }
    }
    for (const d of devices) await this.syncDevice(d);
  }

  private async ensure(hostname: string, dataType: DataType): Promise<void> {
    const scheduleId = this.scheduleId(hostname, dataType);
    const every = `${collectors[dataType].pollIntervalSeconds}s`;
    const input: CollectionInput = { hostname, dataType, trigger: 'schedule', forceRefresh: false, correlationId: null };
    try {
      await this.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'collectWorkflow',
          workflowId: `${this.instance}-scheduled-${hostname}-${dataType}`,
          taskQueue: this.instance,
          args: [input],
          typedSearchAttributes: [
            { key: DEVICE_ATTRIBUTE, value: hostname },
            { key: DATA_TYPE_ATTRIBUTE, value: dataType },
            { key: TRIGGER_ATTRIBUTE, value: 'schedule' },
          ],
        },
        // A slow device must not pile up runs; a missed tick is simply skipped.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      });
      this.logger.info('created schedule', { schedule_id: scheduleId, every });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = this.client.schedule.getHandle(scheduleId);
      const current = await handle.describe();
      const interval = current.spec.intervals?.[0]?.every;
      const intervalMs = typeof interval === 'number' ? interval : undefined;
      if (intervalMs !== collectors[dataType].pollIntervalSeconds * 1000) {
        await handle.update((prev) => ({ ...prev, spec: { intervals: [{ every }] } }));
      }
      if (current.state.paused) await handle.unpause('monitoring enabled');
    }
  }

  private async remove(hostname: string, dataType: DataType): Promise<void> {
    try {
      await this.client.schedule.getHandle(this.scheduleId(hostname, dataType)).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
}
