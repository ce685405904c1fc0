import { END_MARKER } from '../../domain/collectors/sections.ts';
import { dockerBinarySize, dockerDecimalSize, dockerDuration, dockerTime, runSection } from '../format.ts';
import type { ContainerRuntime, DeviceModel } from '../model.ts';
import type { ContainerSpec } from '../profile.ts';
import { dice } from '../random.ts';

/**
 * docker for the containers collector: `docker version`, `docker ps -a` and `docker stats` JSON lines
 * and the collector's own `docker container inspect` template. The parts of a `docker ps` line that
 * never change are built once per container, so a poll of a busy host costs a few string joins.
 */

const DOCKER_VERSIONS = ['27.3.1', '27.1.1', '26.1.4', '24.0.7'];

const staticPsPrefix = new WeakMap<ContainerSpec, string>();
const staticLabels = new WeakMap<ContainerSpec, string>();

function psPrefix(spec: ContainerSpec): string {
  let prefix = staticPsPrefix.get(spec);
  if (prefix === undefined) {
    const created = new Date(spec.createdAt * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const labels = Object.entries(spec.labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    // `docker ps --format '{{json .}}'` prints its keys in this (alphabetical) order.
    prefix = [
      `"Command":${JSON.stringify(spec.command)}`,
      `"CreatedAt":"${created} +0000 UTC"`,
      `"ID":"${spec.id}"`,
      `"Image":${JSON.stringify(spec.image)}`,
      `"Labels":${JSON.stringify(labels)}`,
      `"LocalVolumes":"${spec.mounts.split(',').filter((m) => !m.startsWith('/')).length}"`,
      `"Mounts":${JSON.stringify(spec.mounts)}`,
      `"Names":${JSON.stringify(spec.name)}`,
      `"Networks":${JSON.stringify(spec.networks)}`,
    ].join(',');
    staticPsPrefix.set(spec, prefix);
  }
  return prefix;
}

function labelsJson(spec: ContainerSpec): string {
  let json = staticLabels.get(spec);
  if (json === undefined) {
    json = JSON.stringify(spec.labels);
    staticLabels.set(spec, json);
  }
  return json;
}

const HEALTH_SUFFIX = { starting: ' (health: starting)', healthy: ' (healthy)', unhealthy: ' (unhealthy)' } as const;

function statusText(model: DeviceModel, c: ContainerRuntime, t: number): string {
  const view = model.containerView(c, t);
  switch (view.status) {
    case 'running': {
      const health = model.containerHealth(c, t);
      return `Up ${dockerDuration(t - view.startedAt)}${health ? HEALTH_SUFFIX[health] : ''}`;
    }
    case 'exited':
      return `Exited (${view.exitCode}) ${dockerDuration(t - view.finishedAt)} ago`;
    case 'restarting':
      // The loop's last exit is always a few seconds back.
      return `Restarting (${view.exitCode}) ${dockerDuration(1 + ((t - view.finishedAt) % 50))} ago`;
  }
}

/** One `docker ps --format '{{json .}}'` line (the ports collector reads them too). */
export function psLine(model: DeviceModel, c: ContainerRuntime, t: number): string {
  const view = model.containerView(c, t);
  return `{${psPrefix(c.spec)},"Ports":${JSON.stringify(view.status === 'running' ? c.spec.ports : '')},"RunningFor":"${dockerDuration(t - c.spec.createdAt)} ago","Size":"0B","State":"${view.status}","Status":"${statusText(model, c, t)}"}`;
}

function statsLine(model: DeviceModel, c: ContainerRuntime, t: number): string {
  const { spec } = c;
  const view = model.containerView(c, t);
  const name = JSON.stringify(spec.name);
  if (view.status !== 'running') {
    return `{"BlockIO":"0B / 0B","CPUPerc":"0.00%","Container":"${spec.id}","ID":"${spec.id}","MemPerc":"0.00%","MemUsage":"0B / 0B","Name":${name},"NetIO":"0B / 0B","PIDs":"0"}`;
  }
  const jitter = dice(model.seed, spec.id.charCodeAt(0), Math.floor(t / 30));
  const cpu = spec.cpuPercent * (0.5 + 1.5 * model.busy(t)) * (0.7 + 0.6 * jitter);
  const limit = model.profile.memoryKib * 1024;
  const memory = spec.memoryMiB * 1024 ** 2 * (0.92 + 0.16 * jitter);
  const up = Math.max(0, t - view.startedAt);
  const net = spec.netBytesPerSecond * up;
  const block = (spec.memoryMiB * 1024 ** 2) / 2 + up * spec.cpuPercent * 4000;
  return [
    `{"BlockIO":"${dockerDecimalSize(block)} / ${dockerDecimalSize(block * 0.3)}"`,
    `"CPUPerc":"${cpu.toFixed(2)}%"`,
    `"Container":"${spec.id}"`,
    `"ID":"${spec.id}"`,
    `"MemPerc":"${((memory / limit) * 100).toFixed(2)}%"`,
    `"MemUsage":"${dockerBinarySize(memory)} / ${dockerBinarySize(limit)}"`,
    `"Name":${name}`,
    `"NetIO":"${dockerDecimalSize(net * 0.35)} / ${dockerDecimalSize(net * 0.65)}"`,
    `"PIDs":"${spec.pids}"}`,
  ].join(',');
}

function inspectLine(model: DeviceModel, c: ContainerRuntime, t: number): string {
  const view = model.containerView(c, t);
  const health = model.containerHealth(c, t);
  return `{"id":"${c.spec.id}","state":"${view.status}","restart_count":${view.restartCount},"health":${health ? `"${health}"` : 'null'},"created_at":"${dockerTime(c.spec.createdAt)}","started_at":"${dockerTime(view.startedAt)}","exit_code":${view.status === 'running' ? 0 : view.exitCode},"labels":${labelsJson(c.spec)}}`;
}

function dockerVersion(model: DeviceModel): string {
  return DOCKER_VERSIONS[Math.floor(dice(model.seed, 31) * DOCKER_VERSIONS.length)] ?? '27.3.1';
}

/** The containers `docker ps -a` lists, newest first as it does. */
function listedContainers(model: DeviceModel): ContainerRuntime[] {
  return model.containers.filter((c) => !c.removed).sort((a, b) => b.spec.createdAt - a.spec.createdAt);
}

/** docker's formatter.Ellipsis: at most `width` characters, the last one `…` when cut. */
function ellipsis(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

const PS_TABLE_HEADER = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];

/**
 * `docker ps`, `-a` and `-q` as the CLI prints them: short ids, or its table (Go's tabwriter with
 * minimum width 10 and padding 3, the command cut to 20 characters).
 */
export function dockerPsOutput(model: DeviceModel, t: number, options: { all: boolean; quiet: boolean }): string {
  const shown = listedContainers(model).filter((c) => options.all || model.containerView(c, t).status !== 'exited');
  if (options.quiet) return shown.map((c) => `${c.spec.id.slice(0, 12)}\n`).join('');
  const rows = [
    PS_TABLE_HEADER,
    ...shown.map((c) => {
      const running = model.containerView(c, t).status === 'running';
      // The spec keeps the command as the JSON format quotes it; the table quotes it after cutting.
      const command = JSON.stringify(ellipsis(c.spec.command.replace(/^"|"$/g, ''), 20));
      return [
        c.spec.id.slice(0, 12),
        c.spec.image,
        command,
        `${dockerDuration(t - c.spec.createdAt)} ago`,
        statusText(model, c, t),
        running ? c.spec.ports : '',
        c.spec.name,
      ];
    }),
  ];
  const widths = PS_TABLE_HEADER.map((_, column) => Math.max(10, ...rows.map((row) => (row[column] ?? '').length + 3)));
  return rows
    .map(
      (row) =>
        `${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('')}\n`,
    )
    .join('');
}

export function containersOutput(model: DeviceModel, t: number): string {
  if (!model.profile.capabilities.docker) return `@@no-docker\n${END_MARKER}\n`;
  const listed = listedContainers(model);
  const running = listed.filter((c) => model.containerView(c, t).status !== 'exited');
  const parts = [
    runSection('version', dockerVersion(model)),
    runSection('ps', listed.map((c) => psLine(model, c, t)).join('\n')),
    runSection('stats', running.map((c) => statsLine(model, c, t)).join('\n')),
  ];
  if (listed.length > 0) parts.push(runSection('inspect', listed.map((c) => inspectLine(model, c, t)).join('\n')));
  parts.push(`${END_MARKER}\n`);
  return parts.join('');
}
