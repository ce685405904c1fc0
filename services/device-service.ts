import { LOCAL_OWNER, refOf, type Principal, type PrincipalRef } from '../schema/api-token.ts';
import type { Kysely } from 'kysely';
import type { Database, Device, Trigger } from '../schema/database.ts';
import { DeviceCreate, type DevicePatch, type DeviceView } from '../schema/device.ts';
import { writeAudit } from '../activities/store/audit.ts';
import { findDeviceByHostname } from '../activities/store/devices.ts';
import type { DeviceFollower } from './device-follower.ts';
import { notFound, ServiceError } from './service-error.ts';
import { parseSshConfig } from './ssh-config-import.ts';

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

export interface ImportResult {
  dry_run: boolean;
  created: DeviceView[];
  would_create: Array<Record<string, unknown>>;
  existing: string[];
  skipped: Array<{ host: string; reason: string }>;
}

export class DeviceService {
  private readonly changeListeners: Array<(hostname: string) => void> = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly followers: readonly DeviceFollower[],
  ) {}

  /** Called after a device is edited or removed, so caches keyed by hostname can let go. */
  onChange(listener: (hostname: string) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(hostname: string): void {
    for (const listener of this.changeListeners) listener(hostname);
  }

  async list(): Promise<DeviceView[]> {
    const rows = await this.db.selectFrom('devices').selectAll().orderBy('hostname').execute();
    return rows.map(deviceView);
  }

  async get(hostname: string): Promise<DeviceView> {
    return deviceView(await this.require(hostname));
  }

  async require(hostname: string): Promise<Device> {
    const device = await findDeviceByHostname(this.db, hostname);
    if (!device) throw notFound(`device ${hostname}`);
    return device;
  }

  async create(input: DeviceCreate, ctx: RequestContext): Promise<DeviceView> {
    const row = await this.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('devices').select('id').where('hostname', '=', input.hostname).executeTakeFirst();
      if (exists) throw new ServiceError('conflict', 409, `device ${input.hostname} already exists`);
      const inserted = await trx
        .insertInto('devices')
        .values({
          hostname: input.hostname,
          address: input.address,
          port: input.port,
          username: input.username,
          auth_method: input.auth_method,
          identity_file: input.identity_file,
          device_type: input.device_type,
          tags: JSON.stringify(input.tags),
          location: input.location,
          description: input.description,
          monitoring_enabled: input.monitoring_enabled,
          host_key_fingerprint: null,
          host_key_algorithm: null,
          status_detail: null,
          last_seen: null,
          capabilities: '{}',
          config_watch_mode: null,
          config_watch_detail: null,
          maintenance: null,
          updated_at: new Date(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeAudit(trx, auditOf('device_create', inserted, ctx, { address: inserted.address, port: inserted.port }));
      return inserted;
    });
    for (const follower of this.followers) await follower.syncDevice(row);
    return deviceView(row);
  }

  async update(hostname: string, patch: DevicePatch, ctx: RequestContext): Promise<DeviceView> {
    const device = await this.require(hostname);
    const { reset_host_key, tags, ...fields } = patch;
    const next = { ...device, ...fields };
    if (next.auth_method === 'key' && !next.identity_file) {
      throw new ServiceError('validation_error', 400, 'identity_file is required when auth_method is "key"');
    }
    const row = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('devices')
        .set({
          ...fields,
          ...(tags ? { tags: JSON.stringify(tags) } : {}),
          ...(reset_host_key ? { host_key_fingerprint: null, host_key_algorithm: null, status: 'unknown' as const, status_detail: 'host key reset; the next connection pins a new one' } : {}),
          updated_at: new Date(),
        })
        .where('id', '=', device.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeAudit(trx, auditOf('device_update', updated, ctx, { changed: Object.keys(patch) }));
      return updated;
    });
    this.changed(hostname);
    for (const follower of this.followers) await follower.syncDevice(row);
    return deviceView(row);
  }

  async remove(hostname: string, ctx: RequestContext): Promise<void> {
    const device = await this.require(hostname);
    await this.db.transaction().execute(async (trx) => {
      await writeAudit(trx, auditOf('device_delete', device, ctx, {}));
      await trx.deleteFrom('devices').where('id', '=', device.id).execute();
    });
    this.changed(hostname);
    for (const follower of this.followers) await follower.removeDevice(hostname);
  }

  /** Devices from an OpenSSH client config; a dry run reports what would change and changes nothing. */
  async importSshConfig(
    configText: string,
    opts: { dryRun: boolean; defaults: { username?: string; identity_file?: string; device_type?: string; tags?: string[] } },
    ctx: RequestContext,
  ): Promise<ImportResult> {
    const parsed = parseSshConfig(configText);
    const result: ImportResult = { dry_run: opts.dryRun, created: [], would_create: [], existing: [], skipped: [...parsed.skipped] };
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
      if (await findDeviceByHostname(this.db, checked.data.hostname)) result.existing.push(checked.data.hostname);
      else candidates.push(checked.data);
    }
    if (opts.dryRun) {
      result.would_create = candidates.map(({ identity_file: _key, ...rest }) => rest);
      return result;
    }
    for (const c of candidates) result.created.push(await this.create(c, ctx));
    await writeAudit(this.db, {
      action: 'device_import',
      trigger: ctx.trigger,
      status: 'success',
      correlation_id: ctx.correlationId,
      ...auditPrincipal(ctx),
      details: JSON.stringify({ created: result.created.map((d) => d.hostname), existing: result.existing, skipped: result.skipped }),
    });
    return result;
  }
}

function auditOf(action: 'device_create' | 'device_update' | 'device_delete', device: Device, ctx: RequestContext, details: Record<string, unknown>) {
  return {
    device_id: action === 'device_delete' ? null : device.id,
    hostname: device.hostname,
    action,
    trigger: ctx.trigger,
    status: 'success' as const,
    correlation_id: ctx.correlationId,
    ...auditPrincipal(ctx),
    details: JSON.stringify(details),
  };
}

/** The audit columns that name who asked. */
export function auditPrincipal(ctx: RequestContext): { principal: string; on_behalf_of: string | null } {
  return { principal: ctx.principal.id, on_behalf_of: ctx.onBehalfOf };
}

export function deviceView(d: Device): DeviceView {
  return {
    id: d.id,
    hostname: d.hostname,
    address: d.address,
    port: d.port,
    username: d.username,
    auth_method: d.auth_method,
    device_type: d.device_type,
    tags: d.tags,
    location: d.location,
    description: d.description,
    monitoring_enabled: d.monitoring_enabled,
    status: d.status,
    status_detail: d.status_detail,
    last_seen: d.last_seen?.toISOString() ?? null,
    host_key_fingerprint: d.host_key_fingerprint,
    host_key_algorithm: d.host_key_algorithm,
    capabilities: d.capabilities,
    config_watch_mode: d.config_watch_mode,
    config_watch_detail: d.config_watch_detail,
    maintenance: d.maintenance,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}
