/**
 * A pool's health verdict: anything that is not ONLINE, every error counter above zero and every data
 * error becomes a sentence, so a degraded pool can never look like an empty healthy answer.
 */
import type { PoolScan, VdevNode, ZfsPool } from './schema.ts';

/** States that need no attention: a hot spare standing by or standing in is doing its job. */
const FINE_STATES: ReadonlySet<string> = new Set(['ONLINE', 'AVAIL', 'INUSE']);

/** Seconds the way zpool prints them, so problem sentences read like `zpool status`. */
function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return days > 0 ? `${days} days ${clock}` : clock;
}

function allNodes(nodes: readonly VdevNode[]): VdevNode[] {
  return nodes.flatMap((node) => [node, ...allNodes(node.children)]);
}

/** "a", "a and b", "a, b and c". */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function errorCounts(node: VdevNode): string | undefined {
  const counts = (
    [
      [node.read_errors, 'read'],
      [node.write_errors, 'write'],
      [node.checksum_errors, 'checksum'],
    ] as const
  ).filter(([count]) => count !== null && count > 0);
  if (counts.length === 0) return undefined;
  const plural = counts.length > 1 || counts[0]?.[0] !== 1;
  return `${listOf(counts.map(([count, what]) => `${count} ${what}`))} error${plural ? 's' : ''}`;
}

function scanProgress(scan: PoolScan): string | undefined {
  if (scan.state !== 'in_progress' || scan.percent_done === null) return undefined;
  const eta =
    scan.time_left_seconds === null
      ? 'no estimated completion time'
      : `${formatDuration(scan.time_left_seconds)} to go`;
  return `${scan.kind} ${scan.percent_done.toFixed(2)}% done, ${eta}`;
}

/**
 * What needs attention in one pool, each as a sentence: the pool state with the devices that are not
 * ONLINE (and the progress of a running resilver), the error counters of every vdev, and data errors.
 */
export function poolProblems(pool: Omit<ZfsPool, 'healthy'>): string[] {
  const nodes = allNodes(pool.config);
  const failing = nodes
    .filter((node) => node.children.length === 0 && node.state !== null && !FINE_STATES.has(node.state))
    .map((node) => `${node.name} ${node.state}${node.note ? ` (${node.note})` : ''}`);
  const problems: string[] = [];
  if (pool.health !== 'ONLINE' || failing.length > 0) {
    const head = pool.health === 'ONLINE' ? `pool ${pool.name}` : `pool ${pool.name} is ${pool.health}`;
    const cause = failing.length > 0 ? failing.join(', ') : pool.status;
    const progress = scanProgress(pool.scan);
    problems.push(`${head}${cause ? `: ${cause}` : ''}${progress ? `; ${progress}` : ''}`);
  }
  for (const node of nodes) {
    const counts = errorCounts(node);
    if (counts) problems.push(`pool ${pool.name}: ${counts} on ${node.name}`);
  }
  if (pool.data_errors > 0)
    problems.push(`pool ${pool.name}: ${pool.data_errors} data error${pool.data_errors === 1 ? '' : 's'}`);
  return problems;
}
