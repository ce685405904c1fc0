import type { ContainerInfo, ContainersData } from '../domain/collectors/containers.ts';
import type { Guest, GuestsData, GuestType } from '../domain/collectors/guests.ts';
import { validateSnapshotName } from '../domain/collectors/zfs/names.ts';
import type { ZfsData } from '../domain/collectors/zfs/schema.ts';
import { CHANGING_CONTAINER_ACTIONS, type ContainerActionRequest } from '../schema/container-action.ts';
import { QEMU_ONLY_GUEST_ACTIONS, type GuestActionRequest } from '../schema/guest-action.ts';
import type { LogWindow } from '../schema/log-request.ts';
import type { OperationView } from '../schema/operation.ts';
import type { CollectionService } from './collection-service.ts';
import { containerActionCommand, guestActionCommand, unitLogsCommand, zfsSnapshotCommand } from './device-commands.ts';
import type { RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import { ServiceError } from './service-error.ts';

export interface ContainerActionOutcome {
  operation: OperationView;
  /** The named containers as collected right after a start/stop/restart/remove ran; `null` = gone. */
  after?: Array<{ name: string; state: string | null; status: string | null }>;
  /** Parsed `docker container inspect` output. */
  inspect?: unknown;
}

export interface GuestActionOutcome {
  operation: OperationView;
  guest: { vmid: number; name: string; type: GuestType };
  /** The guest as collected right after the action ran; `null` = no longer listed. */
  after?: { status: string; lock: string | null } | null;
}

/**
 * Structured actions on a device's containers, guests and logs. Targets are checked against what the device
 * really has, then the action runs as an operation: audited, analysed, and held for a confirmation
 * phrase when it is bulk or destructive — exactly like a typed command.
 */
export class DeviceActionService {
  constructor(
    private readonly collection: CollectionService,
    private readonly operations: OperationService,
  ) {}

  async containers(
    hostname: string,
    request: ContainerActionRequest,
    ctx: RequestContext,
  ): Promise<ContainerActionOutcome> {
    await this.requireContainers(hostname, request.containers, ctx);
    const operation = await this.operations.exec(hostname, containerActionCommand(request), ctx);
    if (operation.state !== 'completed' || operation.result?.exit_code !== 0) return { operation };
    if (request.action === 'inspect') return { operation, inspect: parseInspect(operation.result.stdout) };
    if (!CHANGING_CONTAINER_ACTIONS.includes(request.action)) return { operation };
    const fresh = await this.containerList(hostname, true, ctx);
    return {
      operation,
      after: request.containers.map((name) => {
        const found = findContainer(fresh, name);
        return { name, state: found?.state ?? null, status: found?.status ?? null };
      }),
    };
  }

  /**
   * start, stop, shutdown, reboot, suspend or resume of one Proxmox guest the node has. Stopping, shutting
   * down and rebooting take a whole machine down, so the protection holds them for the confirmation phrase.
   */
  async guestAction(hostname: string, request: GuestActionRequest, ctx: RequestContext): Promise<GuestActionOutcome> {
    const { guest: found, sudo } = await this.requireGuest(hostname, request.vmid, ctx);
    const label = `guest ${found.vmid} (${found.name})`;
    if (found.type === 'lxc' && QEMU_ONLY_GUEST_ACTIONS.includes(request.action)) {
      throw new ServiceError(
        'unsupported_action',
        400,
        `${request.action} applies to QEMU virtual machines only; ${label} is an LXC container`,
      );
    }
    if (found.template === true)
      throw new ServiceError('guest_is_template', 409, `${label} is a template: templates never run; clone it first`);
    const operation = await this.operations.exec(
      hostname,
      guestActionCommand({ ...request, type: found.type, sudo }),
      ctx,
    );
    const guest = { vmid: found.vmid, name: found.name, type: found.type };
    if (operation.state !== 'completed' || operation.result?.exit_code !== 0) return { operation, guest };
    const now = (await this.guestList(hostname, true, ctx)).guests.find((g) => g.vmid === request.vmid);
    return { operation, guest, after: now ? { status: now.status, lock: now.lock } : null };
  }

  /** journald lines of one unit, newest `tail` within `since`; read-only, yet audited as an operation. */
  unitLogs(hostname: string, unit: string, window: LogWindow, ctx: RequestContext): Promise<OperationView> {
    return this.operations.exec(hostname, unitLogsCommand(unit, window), ctx);
  }

  /**
   * `zfs snapshot [-r] dataset@name` on a dataset the device has. Taking a snapshot loses nothing, so
   * the protection lets it run at once; it is still an audited operation.
   */
  async zfsSnapshot(
    hostname: string,
    request: { dataset: string; name: string; recursive: boolean },
    ctx: RequestContext,
  ): Promise<OperationView> {
    let snapshot: string;
    try {
      snapshot = validateSnapshotName(request.dataset, request.name);
    } catch (err) {
      throw new ServiceError('validation_error', 400, (err as Error).message);
    }
    const known = async (forceRefresh: boolean) => {
      const data = (await this.collection.read(hostname, 'zfs', { forceRefresh }, ctx)).data as ZfsData;
      if (!data.zfs_available)
        throw new ServiceError(
          'zfs_unavailable',
          409,
          `${hostname} has no ZFS${data.reason ? `: ${data.reason}` : ''}`,
        );
      return data.datasets.map((d) => d.name);
    };
    let datasets = await known(false);
    if (!datasets.includes(request.dataset)) datasets = await known(true);
    if (!datasets.includes(request.dataset)) {
      throw new ServiceError('unknown_dataset', 404, `${hostname} has no dataset ${request.dataset}`, {
        known: datasets,
      });
    }
    return this.operations.exec(hostname, zfsSnapshotCommand(snapshot, request.recursive), ctx);
  }

  /** Every name must be a container the device has; a stale cached list gets one fresh look first. */
  private async requireContainers(hostname: string, names: readonly string[], ctx: RequestContext): Promise<void> {
    let list = await this.containerList(hostname, false, ctx);
    let unknown = names.filter((name) => !findContainer(list, name));
    if (unknown.length > 0) {
      list = await this.containerList(hostname, true, ctx);
      unknown = names.filter((name) => !findContainer(list, name));
    }
    if (unknown.length > 0) {
      throw new ServiceError('unknown_container', 404, `${hostname} has no container named ${unknown.join(', ')}`, {
        unknown,
        known: list.map((c) => c.name),
      });
    }
  }

  /** The guest must be on the node; a stale cached list gets one fresh look first. */
  /** The guest, and whether qm/pct must go through `sudo -n` (the collector found the SSH user not root). */
  private async requireGuest(
    hostname: string,
    vmid: number,
    ctx: RequestContext,
  ): Promise<{ guest: Guest; sudo: boolean }> {
    let list = await this.guestList(hostname, false, ctx);
    let found = list.guests.find((g) => g.vmid === vmid);
    if (!found) {
      list = await this.guestList(hostname, true, ctx);
      found = list.guests.find((g) => g.vmid === vmid);
    }
    if (!found) {
      throw new ServiceError('unknown_guest', 404, `${hostname} has no guest ${vmid}`, {
        known: list.guests.map((g) => ({ vmid: g.vmid, name: g.name, type: g.type })),
      });
    }
    return { guest: found, sudo: list.privilege === 'sudo' };
  }

  private async guestList(
    hostname: string,
    forceRefresh: boolean,
    ctx: RequestContext,
  ): Promise<Pick<GuestsData, 'guests' | 'privilege'>> {
    const data = (await this.collection.read(hostname, 'guests', { forceRefresh }, ctx)).data as GuestsData;
    if (data.status === 'not_proxmox')
      throw new ServiceError('proxmox_unavailable', 409, `${hostname} is not a Proxmox VE host`);
    if (data.status === 'needs_sudo')
      throw new ServiceError('needs_sudo', 409, `${hostname}: ${data.note ?? 'pvesh, qm and pct need root'}`);
    return data;
  }

  private async containerList(hostname: string, forceRefresh: boolean, ctx: RequestContext): Promise<ContainerInfo[]> {
    const answer = await this.collection.read(hostname, 'containers', { forceRefresh }, ctx);
    const data = answer.data as ContainersData;
    if (!data.docker_available) throw new ServiceError('docker_unavailable', 409, `${hostname} has no docker`);
    return data.containers;
  }
}

/** By name, full id, or an unambiguous id prefix of at least 12 characters (what `docker ps` shows). */
function findContainer(list: readonly ContainerInfo[], name: string): ContainerInfo | undefined {
  const exact = list.find((c) => c.name === name || c.id === name);
  if (exact || name.length < 12 || !/^[0-9a-f]+$/.test(name)) return exact;
  const byPrefix = list.filter((c) => c.id.startsWith(name));
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}

function parseInspect(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    // Truncated at the output limit: the raw text stays in the operation result.
    return undefined;
  }
}
