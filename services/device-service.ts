import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import { LOCAL_OWNER, refOf, type Principal, type PrincipalRef } from '../schema/api-token.ts';
import type { Device, Trigger } from '../schema/database.ts';
import { DeviceCreate, type DevicePatch, type DeviceView } from '../schema/device.ts';
import type { ImportResult } from '../schema/device-import.ts';
import { hostnameOf, type DeviceChange } from '../schema/device-change.ts';
import { deviceView } from '../store/devices.ts';
import type { deviceChangeWorkflow } from '../workflows/device-change.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { notFound, ServiceError } from './service-error.ts';
import { parseSshConfig } from './ssh-config-import.ts';
import type { Repositories } from '../store/index.ts';

export interface RequestContext {
  trigger: Trigger;
  correlationId: string | null;
  /** Who asks: the authenticated principal, whose scopes decide what it may do. */
  principal: Principal;
  /** What the caller says about whom it acts for (X-Infra-User, the MCP client's name): recorded, never trusted. */
  onBehalfOf: string | null;
}

/** The local owner acting directly (the demo, benchmarks and tests that drive services in-process). */
export function ownerContext(trigger: Trigger): RequestContext {
  return { trigger, correlationId: null, principal: LOCAL_OWNER, onBehalfOf: null };
}

/** The requester as operations, audit rows and workflows record it. */
export function requesterOf(ctx: RequestContext): PrincipalRef {
  return refOf(ctx.principal, ctx.onBehalfOf);
}

export class DeviceService {
  private readonly changeListeners: Array<(hostname: string) => void> = [];

  constructor(
    private readonly store: Pick<Repositories, 'audit' | 'devices'>,
    private readonly client: Client,
    private readonly instance: string,
  ) {}

  /** Called after a device is added, edited or removed, so caches keyed by hostname can let go. */
  onChange(listener: (hostname: string) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(hostname: string): void {
    for (const listener of this.changeListeners) listener(hostname);
  }

  async list(): Promise<DeviceView[]> {
    const rows = await this.store.devices.list();
    return rows.map(deviceView);
  }

  async get(hostname: string): Promise<DeviceView> {
    return deviceView(await this.require(hostname));
  }

  async require(hostname: string): Promise<Device> {
    const device = await this.store.devices.findByHostname(hostname);
    if (!device) throw notFound(`device ${hostname}`);
    return device;
  }

  workflowId(hostname: string): string {
    return `${this.instance}-device-${hostname}`;
  }

  async create(input: DeviceCreate, ctx: RequestContext): Promise<DeviceView> {
    const device = await this.change({ kind: 'create', device: input }, ctx);
    if (!device) throw new Error(`the change that created ${input.hostname} answered no device`);
    return device;
  }

  async update(hostname: string, patch: DevicePatch, ctx: RequestContext): Promise<DeviceView> {
    const device = await this.change({ kind: 'update', hostname, patch }, ctx);
    if (!device) throw new Error(`the change of ${hostname} answered no device`);
    return device;
  }

  async remove(hostname: string, ctx: RequestContext): Promise<void> {
    await this.change({ kind: 'remove', hostname }, ctx);
  }

  /**
   * Runs the change as its workflow and answers once every step is done: the row, the schedules, the
   * watcher and the start of detection. Once started, the change completes even if this process dies.
   */
  private async change(change: DeviceChange, ctx: RequestContext): Promise<DeviceView | null> {
    const hostname = hostnameOf(change);
    let handle;
    try {
      handle = await this.client.workflow.start<typeof deviceChangeWorkflow>('deviceChangeWorkflow', {
        workflowId: this.workflowId(hostname),
        taskQueue: this.instance,
        args: [{ change, requestedBy: requesterOf(ctx), trigger: ctx.trigger, correlationId: ctx.correlationId }],
        // One change of a device at a time; a finished one does not stop the next.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        ...requestedWorkflowTags(hostname, ctx),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new ServiceError(
          'device_change_in_progress',
          409,
          `another change of device ${hostname} is under way; try again when it is done`,
        );
      throw err;
    }
    let result;
    try {
      result = await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      let cause: unknown = err;
      while (cause instanceof Error && cause.cause) cause = cause.cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new ServiceError(
        'device_change_incomplete',
        502,
        `the change of device ${hostname} did not complete: ${message}`,
        { workflow_id: handle.workflowId },
      );
    }
    if (result.outcome === 'refused') throw new ServiceError(result.code, result.httpStatus, result.message);
    this.changed(hostname);
    return result.device;
  }

  /** Devices from an OpenSSH client config; a dry run reports what would change and changes nothing. */
  async importSshConfig(
    configText: string,
    opts: {
      dryRun: boolean;
      defaults: { username?: string; identity_file?: string; device_type?: string; tags?: string[] };
    },
    ctx: RequestContext,
  ): Promise<ImportResult> {
    const parsed = parseSshConfig(configText);
    const result: ImportResult = {
      dry_run: opts.dryRun,
      created: [],
      would_create: [],
      existing: [],
      skipped: [...parsed.skipped],
    };
    const candidates: DeviceCreate[] = [];
    for (const host of parsed.hosts) {
      const checked = DeviceCreate.safeParse({
        hostname: host.hostname,
        address: host.address,
        port: host.port,
        username: host.username ?? opts.defaults.username ?? 'root',
        identity_file: host.identity_file ?? opts.defaults.identity_file,
        device_type: opts.defaults.device_type,
        tags: opts.defaults.tags,
      });
      if (!checked.success) {
        result.skipped.push({ host: host.hostname, reason: checked.error.issues.map((i) => i.message).join('; ') });
        continue;
      }
      if (await this.store.devices.findByHostname(checked.data.hostname)) result.existing.push(checked.data.hostname);
      else candidates.push(checked.data);
    }
    if (opts.dryRun) {
      result.would_create = candidates.map(({ identity_file: _key, ...rest }) => rest);
      return result;
    }
    for (const c of candidates) result.created.push(await this.create(c, ctx));
    await this.store.audit.write({
      action: 'device_import',
      trigger: ctx.trigger,
      status: 'success',
      correlation_id: ctx.correlationId,
      ...auditPrincipal(ctx),
      details: JSON.stringify({
        created: result.created.map((d) => d.hostname),
        existing: result.existing,
        skipped: result.skipped,
      }),
    });
    return result;
  }
}

/** The audit columns that name who asked. */
export function auditPrincipal(ctx: RequestContext): { principal: string; on_behalf_of: string | null } {
  return { principal: ctx.principal.id, on_behalf_of: ctx.onBehalfOf };
}
