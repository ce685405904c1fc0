import { shellQuote } from '../ssh/quote.ts';

/**
 * The zfs/zpool command lines behind the ZFS operations. Every name is validated before it gets here
 * (domain/collectors/zfs/names.ts, ./properties.ts) and quoted here; they are plain command lines so the
 * protection judges them like a typed command (a prune is a `zfs destroy` of snapshots and is held).
 */

/** Snapshots as the collector lists them (exact numbers, oldest first), of one dataset tree or all. */
export function snapshotListCommand(dataset: string | null): string {
  return `zfs list -H -p -t snapshot -o name,used,referenced,creation -s creation${dataset === null ? '' : ` -r ${shellQuote(dataset)}`}`;
}

export function destroySnapshotsCommand(snapshots: readonly string[]): string {
  return `zfs destroy ${snapshots.map(shellQuote).join(' ')}`;
}

export function cloneCommand(snapshot: string, target: string, createParents: boolean): string {
  return `zfs clone${createParents ? ' -p' : ''} ${shellQuote(snapshot)} ${shellQuote(target)}`;
}

export function propertiesGetCommand(dataset: string, properties: readonly string[]): string {
  return `zfs get -H -p -o name,property,value,source ${properties.length === 0 ? 'all' : shellQuote(properties.join(','))} ${shellQuote(dataset)}`;
}

export function propertySetCommand(dataset: string, property: string, value: string): string {
  return `zfs set ${shellQuote(`${property}=${value}`)} ${shellQuote(dataset)}`;
}

export function scrubCommand(pool: string, stop: boolean): string {
  return `zpool scrub${stop ? ' -s' : ''} ${shellQuote(pool)}`;
}

/**
 * The newest `limit` events (of one pool or all), verbose: -v carries the exact time and the pool.
 * awk in paragraph mode keeps whole events, so the answer stays small on a pool with a full event buffer.
 */
export function eventsCommand(pool: string | null, limit: number): string {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error('limit must be an integer from 1 to 1000');
  const keepNewest = `BEGIN { RS = ""; ORS = "\\n\\n" } { e[NR] = $0 } END { for (i = (NR > n ? NR - n + 1 : 1); i <= NR; i++) print e[i] }`;
  return `zpool events -H -v${pool === null ? '' : ` ${shellQuote(pool)}`} | awk -v n=${limit} ${shellQuote(keepNewest)}`;
}

/** Snapshots of one dataset (not its children) with the guid that tells the same snapshot apart on two pools. */
export function replicationSnapshotsCommand(dataset: string): string {
  return `zfs list -H -p -t snapshot -o name,guid,createtxg -s createtxg -d 1 ${shellQuote(dataset)}`;
}

/** `-` when there is no interrupted receive to resume. */
export function resumeTokenCommand(dataset: string): string {
  return `zfs get -H -o value receive_resume_token ${shellQuote(dataset)}`;
}

export type SendSpec =
  | { kind: 'full'; snapshot: string }
  | { kind: 'incremental'; from: string; snapshot: string; intermediates: boolean }
  | { kind: 'resume'; token: string };

export function sendCommand(spec: SendSpec): string {
  switch (spec.kind) {
    case 'full':
      return `zfs send ${shellQuote(spec.snapshot)}`;
    case 'incremental':
      return `zfs send ${spec.intermediates ? '-I' : '-i'} ${shellQuote(spec.from)} ${shellQuote(spec.snapshot)}`;
    case 'resume':
      return `zfs send -t ${shellQuote(spec.token)}`;
  }
}

/** `-s` keeps a partial receive resumable; `-F` rolls the target back first (only once a person allowed it). */
export function receiveCommand(dataset: string, force: boolean): string {
  return `zfs receive -s${force ? ' -F' : ''} ${shellQuote(dataset)}`;
}
