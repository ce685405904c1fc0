import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database.ts';

/** Fleet-wide reads: every device with its newest stored answers. */
export class FleetRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every device (or the one named) with its newest stored containers answer, if any, by hostname. */
  latestContainersByDevice(hostname?: string) {
    let devices = this.#db.selectFrom('devices as d').select(['d.id', 'd.hostname']);
    if (hostname !== undefined) devices = devices.where('d.hostname', '=', hostname);
    return devices
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('containers_snapshots as c')
            .select(['c.collected_at', 'c.data'])
            .whereRef('c.device_id', '=', 'd.id')
            .orderBy('c.collected_at', 'desc')
            .limit(1)
            .as('latest'),
        (join) => join.onTrue(),
      )
      .select(['latest.collected_at', 'latest.data'])
      .orderBy('d.hostname')
      .execute();
  }

  /** Every device with its newest stored metrics and container counts, by hostname, in one query. */
  latestRows() {
    // A lateral join per device walks the (device_id, collected_at desc) index once: newest row only.
    return this.#db
      .selectFrom('devices as d')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('metrics_snapshots as m')
            .select([
              'm.collected_at',
              'm.cpu_percent',
              'm.memory_used_percent',
              'm.disk_max_used_percent',
              'm.load_1',
              'm.load_5',
              'm.load_15',
              sql<number | null>`(m.data->'cpu'->>'cores')::int`.as('cores'),
            ])
            .whereRef('m.device_id', '=', 'd.id')
            .orderBy('m.collected_at', 'desc')
            .limit(1)
            .as('metrics'),
        (join) => join.onTrue(),
      )
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('containers_snapshots as c')
            .select([
              'c.collected_at as containers_collected_at',
              'c.docker_available',
              'c.total',
              'c.running',
              'c.exited',
              'c.unhealthy',
            ])
            .whereRef('c.device_id', '=', 'd.id')
            .orderBy('c.collected_at', 'desc')
            .limit(1)
            .as('containers'),
        (join) => join.onTrue(),
      )
      .selectAll('d')
      .select([
        'metrics.collected_at as metrics_collected_at',
        'metrics.cpu_percent',
        'metrics.memory_used_percent',
        'metrics.disk_max_used_percent',
        'metrics.load_1',
        'metrics.load_5',
        'metrics.load_15',
        'metrics.cores',
        'containers.containers_collected_at',
        'containers.docker_available',
        'containers.total',
        'containers.running',
        'containers.exited',
        'containers.unhealthy',
      ])
      .orderBy('d.hostname')
      .execute();
  }
}
