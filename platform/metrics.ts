import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * This process's Prometheus metrics, served at `/metrics`. In the embedded default one process does
 * everything, so its page covers collections, reads, SSH, workflows and the database pool; in a split
 * deployment each process reports its own part. Everything here is a counter, gauge or histogram
 * updated where the work happens; nothing is computed at scrape time but the pool gauges.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'infra_process_' });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const collections = new Counter({
  name: 'infra_collections_total',
  help: 'Collections run on devices, by data type and outcome (success, or the error code).',
  labelNames: ['data_type', 'status'] as const,
  registers: [registry],
});

export const collectionAttemptFailures = new Counter({
  name: 'infra_collection_attempt_failures_total',
  help: 'Collection attempts that failed, retried ones included, by data type and error code (infra_collections_total counts each collection once, by its outcome).',
  labelNames: ['data_type', 'code'] as const,
  registers: [registry],
});

export const collectionSeconds = new Histogram({
  name: 'infra_collection_duration_seconds',
  help: 'SSH exec + parse + store of one collection.',
  labelNames: ['data_type'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const reads = new Counter({
  name: 'infra_reads_total',
  help: 'Data reads through the API, MCP and CLI, by data type and whether the cache answered.',
  labelNames: ['data_type', 'cache_hit'] as const,
  registers: [registry],
});

export const workflowSeconds = new Histogram({
  name: 'infra_workflow_duration_seconds',
  help: 'Start-to-result latency of the workflows a request waits for (fresh collections, diagnoses, restarts), as its caller sees it.',
  labelNames: ['workflow'] as const,
  buckets: SECONDS,
  registers: [registry],
});

export const operations = new Counter({
  name: 'infra_operation_transitions_total',
  help: 'Operation state transitions (requested, held, confirmed, executed, blocked, expired...).',
  labelNames: ['action'] as const,
  registers: [registry],
});

export const alertTransitions = new Counter({
  name: 'infra_alert_transitions_total',
  help: 'Alerts fired and resolved.',
  labelNames: ['state'] as const,
  registers: [registry],
});

interface PoolStats {
  stats(): {
    openConnections: number;
    activeChannels: number;
    connectsTotal: number;
    disconnects: Record<string, number>;
  };
}
const sshPools = new Set<PoolStats>();
const dbPools = new Set<pg.Pool>();

/** The worker's SSH pool: connections open, channels in use, connections ever made (handshakes). */
export function watchSshPool(pool: PoolStats): () => void {
  sshPools.add(pool);
  return () => sshPools.delete(pool);
}

export function watchDbPool(pool: pg.Pool): void {
  dbPools.add(pool);
}

const sumSsh = (key: 'openConnections' | 'activeChannels' | 'connectsTotal') =>
  [...sshPools].reduce((n, p) => n + p.stats()[key], 0);
const sumDb = (key: 'totalCount' | 'idleCount' | 'waitingCount') =>
  [...dbPools].filter((p) => !p.ended).reduce((n, p) => n + p[key], 0);

new Gauge({
  name: 'infra_ssh_connections_open',
  help: 'Pooled SSH connections open now (one per device in use).',
  registers: [registry],
  collect() {
    this.set(sumSsh('openConnections'));
  },
});
new Gauge({
  name: 'infra_ssh_channels_active',
  help: 'SSH channels (exec/stream) in use now.',
  registers: [registry],
  collect() {
    this.set(sumSsh('activeChannels'));
  },
});
new Counter({
  name: 'infra_ssh_connects_total',
  help: 'SSH connections opened since start (each one a handshake).',
  registers: [registry],
  collect() {
    this.reset();
    this.inc(sumSsh('connectsTotal'));
  },
});
new Counter({
  name: 'infra_ssh_disconnects_total',
  help: 'Established SSH connections ended since start, by reason (idle, command_timeout, replaced, closed by us, lost: ended by the device or the network).',
  labelNames: ['reason'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const p of sshPools) for (const [reason, n] of Object.entries(p.stats().disconnects)) this.inc({ reason }, n);
  },
});
new Gauge({
  name: 'infra_db_pool_connections',
  help: 'PostgreSQL pool connections, by state.',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    this.set({ state: 'total' }, sumDb('totalCount'));
    this.set({ state: 'idle' }, sumDb('idleCount'));
    this.set({ state: 'waiting' }, sumDb('waitingCount'));
  },
});
