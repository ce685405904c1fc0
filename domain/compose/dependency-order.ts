/**
 * Compose services and their `depends_on` edges as Docker Compose v2 records them on each container
 * (`com.docker.compose.project`, `.service`, `.depends_on`), so the order of restarts and of a
 * maintenance stop/start follows the device's real stacks without reading the compose file. Pure.
 */
import type { ContainerInfo } from '../collectors/containers.ts';

const PROJECT_LABEL = 'com.docker.compose.project';
const SERVICE_LABEL = 'com.docker.compose.service';
const DEPENDS_ON_LABEL = 'com.docker.compose.depends_on';

export interface ComposeServiceNode {
  project: string;
  service: string;
  /** Services of the same project this one waits for. */
  dependsOn: string[];
  /** Containers of the service (more than one when scaled). */
  containers: string[];
}

export class DependencyCycleError extends Error {
  constructor(
    readonly project: string,
    readonly services: string[],
  ) {
    super(`compose project ${project} has a depends_on cycle among ${services.join(', ')}`);
    this.name = 'DependencyCycleError';
  }
}

/**
 * `db:service_healthy:false,redis:service_started:true` → `['db', 'redis']`. Older Compose wrote bare
 * names (`db,redis`); both are read.
 */
export function parseDependsOnLabel(label: string | undefined): string[] {
  if (!label) return [];
  return label
    .split(',')
    .map((entry) => entry.trim().split(':')[0]!.trim())
    .filter((name) => name.length > 0);
}

/** Every compose service on the device, keyed `project/service`. Containers outside compose are left out. */
export function composeServices(containers: readonly ContainerInfo[]): Map<string, ComposeServiceNode> {
  const nodes = new Map<string, ComposeServiceNode>();
  for (const c of containers) {
    const project = c.labels[PROJECT_LABEL];
    const service = c.labels[SERVICE_LABEL];
    if (!project || !service) continue;
    const key = `${project}/${service}`;
    const node = nodes.get(key) ?? { project, service, dependsOn: [], containers: [] };
    node.containers.push(c.name);
    for (const dep of parseDependsOnLabel(c.labels[DEPENDS_ON_LABEL]))
      if (!node.dependsOn.includes(dep)) node.dependsOn.push(dep);
    nodes.set(key, node);
  }
  for (const node of nodes.values()) {
    node.containers.sort();
    node.dependsOn.sort();
  }
  return nodes;
}

/**
 * Services of one project, dependencies before dependents (Kahn's algorithm, ties by name so the order
 * is the same every time). A dependency on a service with no container is ignored: nothing to order.
 */
export function startOrder(nodes: Map<string, ComposeServiceNode>, project: string): ComposeServiceNode[] {
  const members = [...nodes.values()].filter((n) => n.project === project);
  const names = new Set(members.map((n) => n.service));
  const pending = new Map(
    members.map((n) => [n.service, new Set(n.dependsOn.filter((d) => names.has(d) && d !== n.service))]),
  );
  const ordered: ComposeServiceNode[] = [];
  while (pending.size > 0) {
    const ready = [...pending]
      .filter(([, deps]) => deps.size === 0)
      .map(([name]) => name)
      .sort();
    if (ready.length === 0) throw new DependencyCycleError(project, [...pending.keys()].sort());
    for (const name of ready) {
      pending.delete(name);
      for (const deps of pending.values()) deps.delete(name);
      ordered.push(nodes.get(`${project}/${name}`)!);
    }
  }
  return ordered;
}

/** The service and everything that depends on it, directly or not, in the order to restart them. */
export function restartOrder(
  nodes: Map<string, ComposeServiceNode>,
  project: string,
  service: string,
): ComposeServiceNode[] {
  if (!nodes.has(`${project}/${service}`)) throw new Error(`no compose service ${service} in project ${project}`);
  const affected = new Set([service]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes.values()) {
      if (n.project === project && !affected.has(n.service) && n.dependsOn.some((d) => affected.has(d))) {
        affected.add(n.service);
        grew = true;
      }
    }
  }
  return startOrder(nodes, project).filter((n) => affected.has(n.service));
}

/**
 * Container names in the order to stop them: within each compose project dependents before what they
 * depend on; containers outside compose first (nothing is known to depend on them), by name.
 */
export function containerStopOrder(containers: readonly ContainerInfo[], selected: ReadonlySet<string>): string[] {
  const nodes = composeServices(containers);
  const inCompose = new Set([...nodes.values()].flatMap((n) => n.containers));
  const loose = containers
    .filter((c) => selected.has(c.name) && !inCompose.has(c.name))
    .map((c) => c.name)
    .sort();
  const projects = [...new Set([...nodes.values()].map((n) => n.project))].sort();
  const composed = projects.flatMap((project) =>
    startOrder(nodes, project)
      .reverse()
      .flatMap((n) => n.containers.filter((name) => selected.has(name))),
  );
  return [...loose, ...composed];
}
