import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { devicePasswdEntry, type TestSshd } from './sshd.ts';

const NETWORKS_FIXTURE = fileURLToPath(new URL('../fixtures/docker_networks/moby-bridge.txt', import.meta.url));

/**
 * A `docker` CLI stand-in for the test device: answers `version`, `ps`, `stats` and `container
 * inspect` the way Docker 27 prints them for a small compose stack, keeps state across start, stop,
 * restart and rm, serves `logs` and `exec`, lists the default bridge network, and logs every call so tests can count executions on the
 * device side.
 */
const id = (c: string) => c.repeat(64);
const containers = [
  {
    id: id('a'),
    name: 'nginx',
    image: 'nginx:1.27-alpine',
    state: 'running',
    status: 'Up 5 days',
    ports: '0.0.0.0:443->443/tcp, [::]:443->443/tcp, 80/tcp',
    labels: { 'com.docker.compose.project': 'web', 'com.docker.compose.service': 'nginx' },
    restarts: 0,
    health: null,
    stats: {
      cpu: '0.15%',
      mem: '10.2MiB / 1.944GiB',
      memPerc: '0.51%',
      net: '1.2MB / 3.4MB',
      block: '12.3MB / 4.1kB',
      pids: '3',
    },
  },
  {
    id: id('b'),
    name: 'grafana',
    image: 'grafana/grafana:11.3.0',
    state: 'running',
    status: 'Up 2 hours',
    ports: '127.0.0.1:3000->3000/tcp',
    labels: { 'com.docker.compose.project': 'monitoring' },
    restarts: 2,
    health: null,
    stats: {
      cpu: '1.02%',
      mem: '96.5MiB / 1.944GiB',
      memPerc: '4.85%',
      net: '25.1MB / 8.2MB',
      block: '150MB / 2.1MB',
      pids: '14',
    },
  },
  {
    id: id('c'),
    name: 'nextcloud-db',
    image: 'mariadb:11.4',
    state: 'running',
    status: 'Up 5 days (healthy)',
    ports: '3306/tcp',
    labels: { 'com.docker.compose.project': 'nextcloud' },
    restarts: 0,
    health: 'healthy',
    stats: {
      cpu: '0.30%',
      mem: '120MiB / 1.944GiB',
      memPerc: '6.03%',
      net: '300kB / 1.1MB',
      block: '1.2GB / 800MB',
      pids: '21',
    },
  },
  {
    id: id('d'),
    name: 'old-backup',
    image: 'restic/restic:0.17.0',
    state: 'exited',
    status: 'Exited (1) 3 days ago',
    ports: '',
    labels: {},
    restarts: 0,
    health: null,
    stats: null,
  },
];

/**
 * `stateful`: start/stop/restart/rm change what ps, stats and inspect answer next (for tests of container
 * actions); otherwise they only echo their targets, so tests that run a destructive command more than
 * once see the same fleet every time.
 */
export function installDockerStandIn(sshd: TestSshd, opts: { stateful?: boolean } = {}): void {
  const dir = path.join(sshd.binDir, '..', 'docker-data');
  const psLines = containers.map((c) =>
    JSON.stringify({
      Command: '"/docker-entrypoint.…"',
      CreatedAt: '2026-11-20 10:00:00 +0000 UTC',
      ID: c.id,
      Image: c.image,
      Labels: Object.entries(c.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      LocalVolumes: '0',
      Mounts: '',
      Names: c.name,
      Networks: 'bridge',
      Ports: c.ports,
      RunningFor: '5 days ago',
      Size: '0B',
      State: c.state,
      Status: c.status,
    }),
  );
  const statsLines = containers
    .filter((c) => c.stats)
    .map((c) =>
      JSON.stringify({
        BlockIO: c.stats!.block,
        CPUPerc: c.stats!.cpu,
        Container: c.id,
        ID: c.id,
        MemPerc: c.stats!.memPerc,
        MemUsage: c.stats!.mem,
        Name: c.name,
        NetIO: c.stats!.net,
        PIDs: c.stats!.pids,
      }),
    );
  const inspectLines = containers.map((c) =>
    JSON.stringify({
      id: c.id,
      state: c.state,
      restart_count: c.restarts,
      health: c.health,
      created_at: '2026-11-20T10:00:00.123456789Z',
      started_at: c.state === 'running' ? '2026-11-20T10:00:01.5Z' : '2026-11-21T02:00:00Z',
      exit_code: c.state === 'exited' ? 1 : 0,
      labels: c.labels,
    }),
  );
  // `docker container inspect NAME` without --format: Docker's JSON array, abridged to the fields people read.
  const fullInspect = Object.fromEntries(
    containers.map((c) => [
      c.name,
      JSON.stringify(
        [
          {
            Id: c.id,
            Created: '2026-11-20T10:00:00.123456789Z',
            Path: '/docker-entrypoint.sh',
            Args: [],
            State: {
              Status: c.state,
              Running: c.state === 'running',
              Paused: false,
              Restarting: false,
              OOMKilled: false,
              Dead: false,
              Pid: c.state === 'running' ? 4242 : 0,
              ExitCode: c.state === 'exited' ? 1 : 0,
              Error: '',
              StartedAt: '2026-11-20T10:00:01.5Z',
              FinishedAt: '0001-01-01T00:00:00Z',
            },
            Image: `sha256:${'e'.repeat(64)}`,
            Name: `/${c.name}`,
            RestartCount: c.restarts,
            HostConfig: { RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
            Config: { Image: c.image, Labels: c.labels },
          },
        ],
        null,
        4,
      ),
    ]),
  );
  mkdirSync(path.join(dir, 'full-inspect'), { recursive: true });
  for (const [name, json] of Object.entries(fullInspect))
    writeFileSync(path.join(dir, 'full-inspect', name), `${json}\n`);
  const logLines = Array.from(
    { length: 500 },
    (_, i) =>
      `2026-11-25T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000000Z 172.18.0.1 - - "GET /health HTTP/1.1" 200 2 line-${i + 1}`,
  );
  writeFileSync(path.join(dir, 'logs'), `${logLines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'ps'), `${psLines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'stats'), `${statsLines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'inspect'), `${inspectLines.join('\n')}\n`);
  // The stand-in runs as the device user and keeps its state by rewriting these files (sed -i).
  const { uid, gid } = devicePasswdEntry();
  for (const file of ['', 'ps', 'stats', 'inspect']) chownSync(path.join(dir, file), uid, gid);
  sshd.standIn(
    'docker',
    String.raw`#!/bin/sh
echo "docker $*" >> "$INFRA_TEST_EXEC_LOG"
data='${dir}'
stateful=${opts.stateful ? 1 : 0}
case "$1" in
  version) echo '27.3.1' ;;
  ps)
    case " $* " in
      *" -q "*|*" -aq "*|*" -qa "*) sed -n 's/.*"ID":"\([0-9a-f]*\)".*/\1/p' "$data/ps" ;;
      *) cat "$data/ps" ;;
    esac ;;
  rm|stop|kill|restart|start)
    verb=$1; shift
    while [ $# -gt 0 ]; do
      case "$1" in
        -t|--time|-s|--signal) shift 2; continue ;;
        -*) shift; continue ;;
      esac
      target=$1; shift
      if [ "$stateful" = 0 ]; then echo "$target"; continue; fi
      line=$(grep -F -e "\"Names\":\"$target\"" -e "\"ID\":\"$target\"" "$data/ps")
      id=$(printf '%s' "$line" | sed -n "s/.*\"ID\":\"\([0-9a-f]*\)\".*/\1/p")
      name=$(printf '%s' "$line" | sed -n "s/.*\"Names\":\"\([^\"]*\)\".*/\1/p")
      [ -n "$id" ] || { echo "Error response from daemon: No such container: $target" >&2; exit 1; }
      case "$verb" in
        rm) sed -i "/\"Names\":\"$name\"/d" "$data/ps"; sed -i "/\"id\":\"$id\"/d" "$data/inspect"; sed -i "/\"Name\":\"$name\"/d" "$data/stats" ;;
        stop|kill) state=exited; status='Exited (0) Less than a second ago' ;;
        *) state=running; status='Up Less than a second' ;;
      esac
      if [ "$verb" != rm ]; then
        sed -i "/\"Names\":\"$name\"/ s/\"State\":\"[a-z]*\",\"Status\":\"[^\"]*\"/\"State\":\"$state\",\"Status\":\"$status\"/" "$data/ps"
        sed -i "/\"id\":\"$id\"/ s/\"state\":\"[a-z]*\"/\"state\":\"$state\"/" "$data/inspect"
      fi
      echo "$target"
    done ;;
  stats) cat "$data/stats" ;;
  logs)
    shift; tail=all
    while [ $# -gt 1 ]; do case "$1" in --tail) tail=$2; shift 2 ;; --since) shift 2 ;; *) shift ;; esac; done
    [ -f "$data/full-inspect/$1" ] || { echo "Error response from daemon: No such container: $1" >&2; exit 1; }
    if [ "$tail" = all ]; then cat "$data/logs"; else tail -n "$tail" "$data/logs"; fi ;;
  exec) shift; name=$1; shift; CONTAINER=$name exec "$@" ;;
  network)
    # The default bridge as moby's documentation prints it (test/fixtures/docker_networks/moby-bridge.txt).
    case "$2" in
      ls) sed -n '/^@@ls$/{n;p;}' '${NETWORKS_FIXTURE}' ;;
      inspect) sed -n '/^@@inspect$/,/^@@inspect-status$/p' '${NETWORKS_FIXTURE}' | sed '1d;$d' ;;
      *) echo "docker stand-in: unsupported: $*" >&2; exit 1 ;;
    esac ;;
  container)
    shift 2  # container inspect
    case "$1" in
      --format) shift 2; for id in "$@"; do grep -F "\"id\":\"$id\"" "$data/inspect"; done ;;
      *) for name in "$@"; do cat "$data/full-inspect/$name"; done ;;
    esac ;;
  *) echo "docker stand-in: unsupported: $*" >&2; exit 1 ;;
esac
`,
  );
}
