/**
 * What entering maintenance stops: the running containers that are not critical, in dependency order.
 * Critical ones (databases, proxies, identity, DNS, VPN — see device-protection-rules.ts — the device
 * type's protected containers, and any labelled `infrastructor.critical=true`) stay up unless named.
 * Pure: the activity feeds it a fresh container list.
 */
import type { ContainerInfo } from '../collectors/containers.ts';
import { containerStopOrder } from '../compose/dependency-order.ts';
import { criticalRoleOf, globMatches, imageRepository, protectionRulesFor } from '../safety/device-protection-rules.ts';

export const CRITICAL_LABEL = 'infrastructor.critical';

export interface MaintenanceRequest {
  /** Containers to stop even though they are critical. */
  include: string[];
  /** Containers to leave running even though they are not critical. */
  keep: string[];
}

// A type, not an interface: it must fit the open (index-signed) zod type of a device's maintenance.
export type KeptContainer = {
  name: string;
  reason: string;
};

// A type, not an interface, like KeptContainer: it must fit the open zod type of the maintenance view.
export type MaintenancePlan = {
  /** In the order to stop them; leaving maintenance starts them in reverse. */
  stop: string[];
  kept: KeptContainer[];
  /** Containers already not running: left alone, and not started on leaving. */
  not_running: string[];
};

/** Why a container counts as critical, or null. */
export function criticalReason(container: ContainerInfo, deviceType: string): string | null {
  if (container.labels[CRITICAL_LABEL]?.toLowerCase() === 'true') return `labelled ${CRITICAL_LABEL}=true`;
  const protectedGlob = protectionRulesFor(deviceType).protectedContainers.find((glob) =>
    globMatches(glob, container.name),
  );
  if (protectedGlob) return `protected on ${deviceType} devices (${protectedGlob})`;
  const role = criticalRoleOf(
    container.name,
    imageRepository(container.image),
    container.labels['com.docker.compose.service'] ?? '',
  );
  return role ? `critical: ${role}` : null;
}

export function planMaintenance(
  containers: readonly ContainerInfo[],
  deviceType: string,
  request: MaintenanceRequest,
): MaintenancePlan {
  const known = new Set(containers.map((c) => c.name));
  const unknown = [...request.include, ...request.keep].filter((name) => !known.has(name));
  if (unknown.length > 0) throw new MaintenanceRequestError(`no such container on the device: ${unknown.join(', ')}`);
  const both = request.include.filter((name) => request.keep.includes(name));
  if (both.length > 0) throw new MaintenanceRequestError(`containers both included and kept: ${both.join(', ')}`);

  const kept: KeptContainer[] = [];
  const notRunning: string[] = [];
  const selected = new Set<string>();
  for (const c of containers) {
    if (c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused') {
      notRunning.push(c.name);
      continue;
    }
    if (request.keep.includes(c.name)) {
      kept.push({ name: c.name, reason: 'asked to keep' });
      continue;
    }
    const critical = criticalReason(c, deviceType);
    if (critical && !request.include.includes(c.name)) kept.push({ name: c.name, reason: critical });
    else selected.add(c.name);
  }
  return {
    stop: containerStopOrder(containers, selected),
    kept: kept.sort((a, b) => a.name.localeCompare(b.name)),
    not_running: notRunning.sort(),
  };
}

/** The request names containers the device does not have, or asks for both things at once. */
export class MaintenanceRequestError extends Error {
  override name = 'MaintenanceRequestError';
}
