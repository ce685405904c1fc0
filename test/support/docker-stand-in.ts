import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestSshd } from './sshd.ts';

/**
 * A `docker` CLI stand-in for the test device: answers `version`, `ps`, `stats` and `container
 * inspect` the way Docker 27 prints them for a small compose stack, and logs every call so tests can
 * count executions on the device side.
 */
const id = (c: string) => c.repeat(64);
const containers = [
  {
    id: id('a'), name: 'nginx', image: 'nginx:1.27-alpine', state: 'running', status: 'Up 5 days', ports: '0.0.0.0:443->443/tcp, [::]:443->443/tcp, 80/tcp',
    labels: { 'com.docker.compose.project': 'web', 'com.docker.compose.service': 'nginx' }, restarts: 0, health: null,
    stats: { cpu: '0.15%', mem: '10.2MiB / 1.944GiB', memPerc: '0.51%', net: '1.2MB / 3.4MB', block: '12.3MB / 4.1kB', pids: '3' },
  },
  {
    id: id('b'), name: 'grafana', image: 'grafana/grafana:11.3.0', state: 'running', status: 'Up 2 hours', ports: '127.0.0.1:3000->3000/tcp',
    labels: { 'com.docker.compose.project': 'monitoring' }, restarts: 2, health: null,
    stats: { cpu: '1.02%', mem: '96.5MiB / 1.944GiB', memPerc: '4.85%', net: '25.1MB / 8.2MB', block: '150MB / 2.1MB', pids: '14' },
  },
  {
    id: id('c'), name: 'nextcloud-db', image: 'mariadb:11.4', state: 'running', status: 'Up 5 days (healthy)', ports: '3306/tcp',
    labels: { 'com.docker.compose.project': 'nextcloud' }, restarts: 0, health: 'healthy',
    stats: { cpu: '0.30%', mem: '120MiB / 1.944GiB', memPerc: '6.03%', net: '300kB / 1.1MB', block: '1.2GB / 800MB', pids: '21' },
  },
  {
    id: id('d'), name: 'old-backup', image: 'restic/restic:0.17.0', state: 'exited', status: 'Exited (1) 3 days ago', ports: '',
    labels: {}, restarts: 0, health: null, stats: null,
  },
];

export function installDockerStandIn(sshd: TestSshd): void {
  const dir = path.join(sshd.binDir, '..', 'docker-data');
  const psLines = containers.map((c) =>
    JSON.stringify({
      Command: '"/docker-entrypoint.…"', CreatedAt: '2026-11-20 10:00:00 +0000 UTC', ID: c.id, Image: c.image,
      Labels: Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(','), LocalVolumes: '0', Mounts: '', Names: c.name,
      Networks: 'bridge', Ports: c.ports, RunningFor: '5 days ago', Size: '0B', State: c.state, Status: c.status,
    }),
  );
  const statsLines = containers.filter((c) => c.stats).map((c) =>
    JSON.stringify({ BlockIO: c.stats!.block, CPUPerc: c.stats!.cpu, Container: c.id, ID: c.id, MemPerc: c.stats!.memPerc, MemUsage: c.stats!.mem, Name: c.name, NetIO: c.stats!.net, PIDs: c.stats!.pids }),
  );
  const inspectLines = containers.map((c) =>
    JSON.stringify({
      id: c.id, state: c.state, restart_count: c.restarts, health: c.health, created_at: '2026-11-20T10:00:00.123456789Z',
      started_at: c.state === 'running' ? '2026-11-20T10:00:01.5Z' : '2026-11-21T02:00:00Z', exit_code: c.state === 'exited' ? 1 : 0, labels: c.labels,
    }),
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'ps'), `${psLines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'stats'), `${statsLines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'inspect'), `${inspectLines.join('\n')}\n`);
  sshd.standIn(
    'docker',
    `#!/bin/sh
echo "docker $*" >> "$INFRA_TEST_EXEC_LOG"
data='${dir}'
case "$1" in
  version) echo '27.3.1' ;;
  ps)
    case " $* " in
      *" -q "*|*" -aq "*|*" -qa "*) sed -n 's/.*"ID":"\\([0-9a-f]*\\)".*/\\1/p' "$data/ps" ;;
      *) cat "$data/ps" ;;
    esac ;;
  rm|stop|kill|restart|start) shift; for target in "$@"; do case "$target" in -*) ;; *) echo "$target" ;; esac; done ;;
  stats) cat "$data/stats" ;;
  container)
    shift 2  # container inspect
    for id in "$@"; do grep -F "\\"id\\":\\"$id\\"" "$data/inspect"; done ;;
  *) echo "docker stand-in: unsupported: $*" >&2; exit 1 ;;
esac
`,
  );
}
