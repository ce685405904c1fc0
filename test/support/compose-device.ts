import type { HeldOperationNotice } from '../../schema/alert.ts';
import type { ContainerInfo, ContainersData } from '../../domain/collectors/containers.ts';
import { analyseCommand } from '../../domain/safety/command-analysis.ts';
import { assessRisk } from '../../domain/safety/risk-assessment.ts';
import { planForDeviceType, type PlanMaintenanceInput } from '../../activities/maintenance/state.ts';
import type { CommandResult } from '../../schema/operation.ts';

/**
 * A Docker host in memory for workflow tests: a compose stack whose containers carry the labels Compose
 * v2 writes (project, service, depends_on), plus a container outside compose. `docker stop|start|restart`
 * commands change it and are logged in order — the device side of what the workflows did.
 */
export interface ComposeDevice {
  containers: ContainerInfo[];
  /** `stop grafana`, `start app`, ... in the order they reached the device. */
  log: string[];
  /** Containers that exit right after being (re)started, for failure tests. */
  crashing: Set<string>;
}

function container(
  name: string,
  image: string,
  labels: Record<string, string>,
  health: string | null = null,
): ContainerInfo {
  return {
    id: name.padEnd(64, '0').slice(0, 64),
    name,
    image,
    state: 'running',
    status: health ? `Up 5 days (${health})` : 'Up 5 days',
    created_at: '2026-11-20T10:00:00Z',
    started_at: '2026-11-20T10:00:01Z',
    ports: [],
    restart_count: 0,
    health,
    exit_code: 0,
    labels,
    compose_project: labels['com.docker.compose.project'] ?? null,
    stats: null,
  };
}

const compose = (service: string, dependsOn = '') => ({
  'com.docker.compose.project': 'nextcloud',
  'com.docker.compose.service': service,
  ...(dependsOn && { 'com.docker.compose.depends_on': dependsOn }),
});

export function composeDevice(): ComposeDevice {
  return {
    containers: [
      container('nextcloud-db', 'mariadb:11.4', compose('db'), 'healthy'),
      container('nextcloud-redis', 'redis:7.4-alpine', compose('redis')),
      container(
        'nextcloud-app',
        'nextcloud:30-apache',
        compose('app', 'db:service_healthy:false,redis:service_started:false'),
        'healthy',
      ),
      container('nextcloud-cron', 'nextcloud:30-apache', compose('cron', 'app:service_started:false')),
      container(
        'nextcloud-imaginary',
        'nextcloud/aio-imaginary:latest',
        compose('imaginary', 'app:service_started:true'),
      ),
      container('swag', 'lscr.io/linuxserver/swag:3.0.1', {}),
      container('grafana', 'grafana/grafana:11.3.0', {}),
      {
        ...container('old-backup', 'restic/restic:0.17.0', {}),
        state: 'exited',
        status: 'Exited (1) 3 days ago',
        exit_code: 1,
      },
    ],
    log: [],
    crashing: new Set(),
  };
}

export function containersData(device: ComposeDevice): ContainersData {
  const cs = structuredClone(device.containers);
  const count = (state: string) => cs.filter((c) => c.state === state).length;
  return {
    docker_available: true,
    docker_version: '27.3.1',
    containers: cs,
    summary: {
      total: cs.length,
      running: count('running'),
      exited: count('exited'),
      paused: count('paused'),
      restarting: count('restarting'),
      unhealthy: cs.filter((c) => c.health === 'unhealthy').length,
    },
  };
}

/** Runs `docker stop|start|restart 'name'` chains joined by `&&`, the way the workflows build them. */
export function runDockerChain(device: ComposeDevice, command: string): CommandResult {
  const started = Date.now();
  const stderr: string[] = [];
  let exit = 0;
  for (const part of command.split(' && ')) {
    const match = /^docker (stop|start|restart) '([^']+)'$/.exec(part.trim());
    if (!match) throw new Error(`compose device stand-in cannot run: ${part}`);
    const [, verb, name] = match as unknown as [string, 'stop' | 'start' | 'restart', string];
    const c = device.containers.find((x) => x.name === name);
    if (!c) {
      stderr.push(`Error response from daemon: No such container: ${name}`);
      exit = 1;
      break;
    }
    device.log.push(`${verb} ${name}`);
    if (verb === 'stop')
      Object.assign(c, { state: 'exited', status: 'Exited (0) Less than a second ago', exit_code: 0 });
    else if (device.crashing.has(name))
      Object.assign(c, { state: 'exited', status: 'Exited (1) Less than a second ago', exit_code: 1 });
    else Object.assign(c, { state: 'running', status: 'Up Less than a second', exit_code: 0 });
  }
  return {
    exit_code: exit,
    signal: null,
    stdout: '',
    stderr: stderr.join('\n'),
    stdout_truncated: false,
    stderr_truncated: false,
    output_limit_bytes: 262144,
    duration_ms: Date.now() - started,
  };
}

/**
 * The activities a maintenance or restart workflow (and its operation steps) call, against the
 * in-memory device: real command analysis, real risk assessment and real planning; only SSH and the
 * database are stood in for.
 */
export function composeDeviceActivities(device: ComposeDevice) {
  const calls = {
    executed: [] as string[],
    records: [] as string[],
    maintenance: [] as unknown[],
    notices: [] as HeldOperationNotice[],
  };
  const collect = async (input: { hostname: string; dataType: string }) => ({
    hostname: input.hostname,
    dataType: input.dataType,
    snapshotId: String(calls.records.length),
    collectedAt: new Date().toISOString(),
    durationMs: 1,
    data: containersData(device),
    capabilitiesChanged: false,
  });
  return {
    calls,
    activities: {
      collect,
      analyseCommand: async (command: string) => analyseCommand(command),
      assessRisk: async (input: {
        hostname: string;
        analysis: ReturnType<typeof analyseCommand>;
        containers: unknown;
      }) =>
        assessRisk(input.analysis, {
          hostname: input.hostname,
          deviceType: 'linux',
          tags: [],
          containers: (input.containers as ContainersData | null) ?? null,
          unraidParity: null,
        }),
      recordOperation: async (r: { action: string }) => void calls.records.push(r.action),
      enabledChannelIds: async () => ['channel-1'],
      deliverHeldNotice: async ({ notice }: { notice: HeldOperationNotice }) => {
        calls.notices.push(notice);
        return { delivered: 1, refused: 0 };
      },
      executeOperation: async (input: { command: string }) => {
        calls.executed.push(input.command);
        return runDockerChain(device, input.command);
      },
      planDeviceMaintenance: async (input: PlanMaintenanceInput) => planForDeviceType(input, 'linux'),
      setDeviceMaintenance: async (input: { maintenance: unknown }) => void calls.maintenance.push(input.maintenance),
    },
  };
}
