import { createHash } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { devicePasswdEntry, type TestSshd } from './sshd.ts';

interface StandInSnapshot {
  name: string;
  guid: string;
  createtxg: number;
  /** Seconds since the epoch, as `zfs list -p` prints creation. */
  creation: number;
}

interface StandInState {
  txg: number;
  datasets: Record<
    string,
    { snapshots: StandInSnapshot[]; partial: { toGuid: string; received: number; token: string } | null }
  >;
}

/** What the source side wrote per `zfs send`: its kind, the offset it started at, the bytes it wrote. */
export interface SentRecord {
  kind: 'full' | 'incremental' | 'resume';
  offset: number;
  bytes: number;
}

export interface ZfsStandIn {
  dir: string;
  /** A dataset with no snapshots. */
  createDataset(dataset: string): void;
  /** A snapshot whose content is `payload`; guids are derived from device, dataset and name, so two devices' differ. */
  addSnapshot(dataset: string, name: string, payload: Buffer, creation: Date): void;
  snapshots(dataset: string): string[];
  /** The bytes of a snapshot as the device stores them; null when it has none by that name. */
  snapshotBytes(dataset: string, name: string): Buffer | null;
  partial(dataset: string): { received: number; token: string } | null;
  sent(): SentRecord[];
  /** The next `zfs send` kills its own SSH connection after writing this many bytes of data. */
  dropNextSendAfter(bytes: number): void;
}

/**
 * Installs the `zfs` stand-in (zfs-stand-in.mjs) on a test device, with its state in a directory of the
 * device's own: two devices are two separate pools.
 */
export function installZfsStandIn(sshd: TestSshd): ZfsStandIn {
  const root = path.join(sshd.binDir, '..');
  const dir = path.join(root, 'zfs-data');
  mkdirSync(dir, { recursive: true });
  const { uid, gid } = devicePasswdEntry();
  chownSync(dir, uid, gid);
  const script = path.join(root, 'zfs-stand-in.mjs');
  copyFileSync(new URL('./zfs-stand-in.mjs', import.meta.url), script);
  const statePath = path.join(dir, 'state.json');
  const load = (): StandInState => JSON.parse(readFileSync(statePath, 'utf8')) as StandInState;
  const save = (state: StandInState) => writeFileSync(statePath, JSON.stringify(state, null, 2));
  save({ txg: 1, datasets: {} });
  sshd.standIn('zfs', `#!/bin/sh\nZFS_STANDIN_DIR='${dir}' exec node '${script}' "$@"\n`);
  // `zpool events -H -v` prints the real events of the fixtures (without the header, a tab after the time);
  // `zpool scrub [-s] tank` succeeds for the one pool there is.
  const fixture = (name: string) => readFileSync(new URL(`../fixtures/zpool-events/${name}`, import.meta.url), 'utf8');
  const scripted = ['verbose-history-scrub.txt', 'verbose-io-error.txt']
    .map((name) =>
      fixture(name)
        .split('\n')
        .slice(1)
        .map((line) => line.replace(/^([A-Z][a-z]{2} [ \d]\d \d{4} [\d:.]{18}) /, '$1\t'))
        .join('\n'),
    )
    .join('');
  writeFileSync(path.join(dir, 'zpool-events'), scripted);
  sshd.standIn(
    'zpool',
    `#!/bin/sh
echo "zpool $*" >> "$INFRA_TEST_EXEC_LOG"
case "$1" in
  events) cat '${dir}/zpool-events' ;;
  scrub) if [ "$2" = -s ]; then pool=$3; else pool=$2; fi
    [ "$pool" = tank ] || { echo "cannot open '$pool': no such pool" >&2; exit 1; } ;;
  *) echo "zpool stand-in: unsupported: $*" >&2; exit 1 ;;
esac
`,
  );
  const find = (dataset: string, name: string) =>
    load().datasets[dataset]?.snapshots.find((s) => s.name === name) ?? null;

  return {
    dir,
    createDataset(dataset) {
      const state = load();
      state.datasets[dataset] ??= { snapshots: [], partial: null };
      save(state);
    },
    addSnapshot(dataset, name, payload, creation) {
      const state = load();
      const ds = (state.datasets[dataset] ??= { snapshots: [], partial: null });
      const guid = BigInt(
        `0x${createHash('sha256').update(`${root}\0${dataset}@${name}`).digest('hex').slice(0, 15)}`,
      ).toString();
      writeFileSync(path.join(dir, `snap-${guid}.bin`), payload);
      state.txg += 1;
      ds.snapshots.push({ name, guid, createtxg: state.txg, creation: Math.floor(creation.getTime() / 1000) });
      save(state);
    },
    snapshots: (dataset) => (load().datasets[dataset]?.snapshots ?? []).map((s) => `${dataset}@${s.name}`),
    snapshotBytes(dataset, name) {
      const found = find(dataset, name);
      return found ? readFileSync(path.join(dir, `snap-${found.guid}.bin`)) : null;
    },
    partial: (dataset) => load().datasets[dataset]?.partial ?? null,
    sent() {
      const log = path.join(dir, 'sent.log');
      return existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as SentRecord)
        : [];
    },
    dropNextSendAfter(bytes) {
      writeFileSync(path.join(dir, 'drop-after'), String(bytes));
    },
  };
}

/** Deterministic bytes (a counter hashed in blocks): the same payload every run, no runs of zeros. */
export function deterministicPayload(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; block++) {
    offset += createHash('sha256').update(`${seed}:${block}`).digest().copy(out, offset);
  }
  return out;
}
