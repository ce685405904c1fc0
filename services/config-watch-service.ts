import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import type { DeviceWatchers } from '../activities/device-change.ts';
import type { Logger } from '../platform/logger.ts';
import type { ConfigWatchMode } from '../schema/database.ts';
import { rewatchUpdate, stopWatchingSignal } from '../workflows/config-watch-messages.ts';
import type { configWatchWorkflow } from '../workflows/config-watch.ts';
import { DEVICE_ATTRIBUTE } from '../workflows/search-attributes.ts';
import type { DeviceFollower, FollowedDevice } from './device-follower.ts';

/**
 * One config watcher workflow per monitored device: started with the device or its monitoring flag,
 * told to stop when either goes away. Watching needs no capability: without inotify it polls.
 */
export class ConfigWatchService implements DeviceFollower, DeviceWatchers {
  constructor(
    private readonly client: Client,
    private readonly instance: string,
    private readonly logger: Logger,
    private readonly enabled: boolean,
  ) {}

  workflowId(hostname: string): string {
    return `${this.instance}-config-watch-${hostname}`;
  }

  async syncDevice(device: FollowedDevice): Promise<void> {
    if (!this.enabled) return;
    if (!device.monitoring_enabled) return this.removeDevice(device.hostname);
    await this.client.workflow.start<typeof configWatchWorkflow>('configWatchWorkflow', {
      workflowId: this.workflowId(device.hostname),
      taskQueue: this.instance,
      args: [{ hostname: device.hostname }],
      // Already watching: keep that run (and its inotifywait) rather than start another.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [{ key: DEVICE_ATTRIBUTE, value: device.hostname }],
    });
  }

  async removeDevice(hostname: string): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.client.workflow.getHandle(this.workflowId(hostname)).signal(stopWatchingSignal);
      this.logger.info('config watch stopping', { device: hostname });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /**
   * The watched set or the device's address changed: a new watch, with a fresh discovery, replaces the
   * running one once it is in place. Waiting, it answers the new watch's mode, or null when there is no
   * watcher, it is ending (its next run watches the current set anyway), or the new watch is not in
   * place within the workflow's wait.
   */
  async rewatch(hostname: string, opts: { waitUntilWatching: boolean }): Promise<ConfigWatchMode | null> {
    if (!this.enabled) return null;
    const handle = this.client.workflow.getHandle(this.workflowId(hostname));
    try {
      if (opts.waitUntilWatching) return await handle.executeUpdate(rewatchUpdate);
      await handle.startUpdate(rewatchUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
      return null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) return null;
      throw err;
    }
  }

  /** Watchers of devices that are gone or unmonitored are stopped; monitored devices get theirs. */
  async reconcile(devices: FollowedDevice[]): Promise<void> {
    if (!this.enabled) return;
    const monitored = new Set(devices.filter((d) => d.monitoring_enabled).map((d) => this.workflowId(d.hostname)));
    const query = `WorkflowType = 'configWatchWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${this.instance}'`;
    for await (const execution of this.client.workflow.list({ query })) {
      if (!monitored.has(execution.workflowId)) {
        await this.client.workflow.getHandle(execution.workflowId).signal(stopWatchingSignal);
      }
    }
    for (const device of devices) await this.syncDevice(device);
  }
}
