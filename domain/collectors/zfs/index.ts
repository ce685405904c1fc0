import { REQUIRED_CAPABILITIES, type Collector } from '../collector.ts';
import { END_MARKER, RUN_SECTION_PRELUDE } from '../sections.ts';
import { parseZfsOutput } from './parse.ts';
import { DATA_TYPE, ZfsData } from './schema.ts';

/**
 * ZFS pools with their vdev trees, device errors and scrub or resilver progress, the datasets, a bounded
 * view of the snapshots, and the ARC. Pool capacity and the dataset and snapshot listings come from the
 * scriptable `-Hp` forms (tab-separated, exact numbers); the vdev tree and scan progress exist only in the
 * text of `zpool status`, which is read by its indentation and wording as printed by OpenZFS 0.8 to 2.2.
 * Anything that is not ONLINE, every error counter above zero and every data error becomes a sentence in
 * `problems`, so a degraded pool can never look like an empty healthy answer.
 */

const ARCSTATS = '/proc/spl/kstat/zfs/arcstats';

/**
 * `run SECTION COMMAND...` prints the command's stdout as @@SECTION, then @@SECTION-status and
 * @@SECTION-stderr. LC_ALL=C because zpool formats percentages and dates by the locale ("18,49% done"
 * in German); the sbin directories where zpool and zfs live are on PATH through posixShellCommand. When `zpool list`
 * fails (module not loaded, no /dev/zfs in a container) the other commands would only fail the same way.
 */
const COMMAND = [
  'export LC_ALL=C',
  `if ! command -v zpool >/dev/null 2>&1; then echo @@no-zpool; echo ${END_MARKER}; exit 0; fi`,
  ...RUN_SECTION_PRELUDE,
  'run pools zpool list -Hp -o name,size,allocated,free,fragmentation,capacity,dedupratio,health',
  'if [ "$status" -eq 0 ]; then',
  '  run status zpool status -p',
  '  run datasets zfs list -Hp -t filesystem,volume -o name,type,used,available,referenced,mountpoint,compressratio',
  '  run snapshots zfs list -Hp -t snapshot -o name,used,referenced,creation -s creation',
  `  if [ -r ${ARCSTATS} ]; then echo @@arcstats; cat ${ARCSTATS}; fi`,
  'fi',
  `echo ${END_MARKER}`,
].join('\n');

export const zfsCollector: Collector<ZfsData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_zfs_status',
    title: 'ZFS pools',
    description:
      "Pools with health, capacity and fragmentation; the vdev tree with each device's state and read/write/checksum errors; scrub/resilver progress; datasets, snapshot counts, ARC. `problems` lists DEGRADED/FAULTED pools and errors first. Cached for up to 600 s.",
  },
  description:
    'pools (`zpool list -Hp`), `zpool status` as a vdev tree with states and error counts, scrub/resilver progress; datasets, snapshot counts (newest 100 kept), ARC; `problems` names every DEGRADED/FAULTED device and error',
  schema: ZfsData,
  freshnessSeconds: 600,
  pollIntervalSeconds: 600,
  commandTimeoutMs: 30_000,
  retentionDays: 90,
  requiredCapability: REQUIRED_CAPABILITIES.zfs,
  table: 'zfs_snapshots',

  command: () => COMMAND,

  parse: parseZfsOutput,

  columns(data) {
    const capacities = data.pools.map((pool) => pool.capacity_percent).filter((value) => value !== null);
    return {
      zfs_available: data.zfs_available,
      pools_total: data.pools.length,
      pools_unhealthy: data.pools.filter((pool) => !pool.healthy).length,
      max_capacity_percent: capacities.length > 0 ? Math.max(...capacities) : null,
      datasets_total: data.datasets.length,
      snapshots_total: data.snapshot_count,
      arc_size_bytes: data.arc?.size_bytes ?? null,
    };
  },

  capabilities(data) {
    return { zfs: data.zfs_available };
  },
};
