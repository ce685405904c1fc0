import { type DataType, isDataType } from '../domain/collectors/registry.ts';
import { CONFIG_MARKERS, type ConfigScriptKind } from '../domain/config/watch-scripts.ts';
import { configAnswer } from './config-answers.ts';
import type { DeviceModel, DockerAction } from './model.ts';
import { dockerPsOutput } from './outputs/containers.ts';
import { loadAverages } from './outputs/metrics.ts';
import { collectionOutput } from './outputs/index.ts';
import { words } from './shell-words.ts';

/**
 * What a simulated device answers to an exec request. Collections arrive as `sh -c '<script>'` built by
 * posixShellCommand, the script's first line (after the PATH line) naming the data type
 * (`# infrastructor collect metrics`): the answer is that type's generated output. The config watcher's
 * scripts are marked the same way (`# infrastructor config read`) and answered from the device's
 * simulated files (config-answers.ts); the watch itself streams (simulator.ts). Anything else is run
 * as one simple command: a few are known (uptime, hostname, echo, true, docker ps and
 * start/stop/restart/rm), the rest are "not found", as from a shell that lacks them. A `$(…)` in it
 * is answered the same way first, so `docker stop $(docker ps -q)` stops the running containers.
 */

export interface Answer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A collection's data type, a config watcher script, or `command` for everything else. */
export type CommandKind = DataType | `config-${ConfigScriptKind}` | 'command';

const SHELL_WRAPPED = /^sh -c '((?:[^']|'\\'')*)'$/s;
const COLLECT_MARKER = /^# infrastructor collect (\S+)$/;

/** The script of `sh -c '...'` as posixShellCommand quotes it, without the PATH line it adds; any other command as it is. */
function scriptOf(command: string): string {
  const wrapped = SHELL_WRAPPED.exec(command);
  if (!wrapped) return command;
  const script = (wrapped[1] ?? '').replace(/'\\''/g, "'");
  if (!script.startsWith('PATH=')) return script;
  const newline = script.indexOf('\n');
  return newline < 0 ? '' : script.slice(newline + 1);
}

export function classify(command: string): { kind: CommandKind; script: string } {
  const script = scriptOf(command);
  const firstLine = script.split('\n', 1)[0] ?? '';
  const type = COLLECT_MARKER.exec(firstLine)?.[1];
  if (type !== undefined && isDataType(type)) return { kind: type, script };
  const config = (Object.keys(CONFIG_MARKERS) as ConfigScriptKind[]).find((k) => CONFIG_MARKERS[k] === firstLine);
  return { kind: config ? `config-${config}` : 'command', script };
}

const notFound = (command: string): Answer => ({ stdout: '', stderr: `sh: 1: ${command}: not found\n`, exitCode: 127 });

/** procps `uptime`: ` 14:03:11 up 12 days,  3:04,  1 user,  load average: 0.52, 0.58, 0.59`. */
function uptime(model: DeviceModel, t: number): string {
  const clock = new Date(t * 1000).toISOString().slice(11, 19);
  const up = Math.floor(t - model.profile.bootTime);
  const days = Math.floor(up / 86_400);
  const hours = Math.floor((up % 86_400) / 3600);
  const minutes = Math.floor((up % 3600) / 60);
  const dayPart = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : '';
  const timePart = hours > 0 ? `${String(hours).padStart(2)}:${String(minutes).padStart(2, '0')}` : `${minutes} min`;
  const load = loadAverages(model, t)
    .map((l) => l.toFixed(2))
    .join(', ');
  return ` ${clock} up ${dayPart}${timePart},  1 user,  load average: ${load}\n`;
}

const DOCKER_ACTIONS: ReadonlySet<string> = new Set<DockerAction>(['start', 'stop', 'restart', 'rm']);
/** Options of start/stop/restart/rm that take a value. */
const DOCKER_VALUE_OPTIONS = new Set(['-t', '--time', '-s', '--signal', '--timeout']);

/** `docker ps` with `-a`/`--all` and `-q`/`--quiet`, alone or together (`-aq`). */
function dockerPs(model: DeviceModel, args: readonly string[], t: number): Answer {
  const options = { all: false, quiet: false };
  for (const arg of args) {
    const flags = arg.startsWith('--')
      ? [arg]
      : /^-[aq]+$/.test(arg)
        ? [...arg.slice(1)].map((letter) => `-${letter}`)
        : [arg];
    for (const flag of flags) {
      if (flag === '-a' || flag === '--all') options.all = true;
      else if (flag === '-q' || flag === '--quiet') options.quiet = true;
      else return { stdout: '', stderr: `fleet simulator: docker ps ${arg} is not simulated\n`, exitCode: 1 };
    }
  }
  return { stdout: dockerPsOutput(model, t, options), stderr: '', exitCode: 0 };
}

function docker(model: DeviceModel, args: readonly string[], t: number): Answer {
  const [action = '', ...rest] = args[0] === 'container' ? args.slice(1) : args;
  if (action === 'ps' || (action === 'ls' && args[0] === 'container')) return dockerPs(model, rest, t);
  if (!DOCKER_ACTIONS.has(action))
    return { stdout: '', stderr: `fleet simulator: docker ${action} is not simulated\n`, exitCode: 1 };
  const names: string[] = [];
  let force = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (DOCKER_VALUE_OPTIONS.has(arg)) i++;
    else if (arg === '-f' || arg === '--force') force = true;
    else if (!arg.startsWith('-')) names.push(arg);
  }
  if (names.length === 0)
    return { stdout: '', stderr: `"docker ${action}" requires at least 1 argument.\n`, exitCode: 1 };
  let stdout = '';
  let stderr = '';
  for (const name of names) {
    const container = model.findContainer(name);
    const error = container
      ? model.dockerAction(action as DockerAction, container, t, force)
      : `Error response from daemon: No such container: ${name}`;
    if (error === null) stdout += `${name}\n`;
    else stderr += `${error}\n`;
  }
  return { stdout, stderr, exitCode: stderr === '' ? 0 : 1 };
}

function runCommand(model: DeviceModel, script: string, t: number): Answer {
  const line =
    script
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('#')) ?? '';
  // A `$(…)` runs on the device first, as sh runs it; what it prints to stderr comes before the command's own.
  let substitutedStderr = '';
  const [command, ...args] = words(line, (inner) => {
    const answer = runCommand(model, inner, t);
    substitutedStderr += answer.stderr;
    return answer.stdout;
  });
  const answer = runSimpleCommand(model, command, args, t);
  return { ...answer, stderr: substitutedStderr + answer.stderr };
}

function runSimpleCommand(model: DeviceModel, command: string | undefined, args: string[], t: number): Answer {
  switch (command) {
    case undefined:
    case 'true':
      return { stdout: '', stderr: '', exitCode: 0 };
    case 'echo':
      return { stdout: `${args.join(' ')}\n`, stderr: '', exitCode: 0 };
    case 'hostname':
      return { stdout: `${model.profile.hostname}\n`, stderr: '', exitCode: 0 };
    case 'uptime':
      return { stdout: uptime(model, t), stderr: '', exitCode: 0 };
    case 'docker':
      return model.profile.capabilities.docker ? docker(model, args, t) : notFound(command);
    default:
      return notFound(command);
  }
}

/** The device's answer to `command` at device time `t` (Unix seconds); the watch, which never ends by itself, is the simulator's. */
export function respond(
  model: DeviceModel,
  kind: Exclude<CommandKind, 'config-watch'>,
  script: string,
  t: number,
): Answer {
  switch (kind) {
    case 'command':
      return runCommand(model, script, t);
    case 'config-discover':
      return configAnswer(model, 'discover', script, t);
    case 'config-hash-scan':
      return configAnswer(model, 'hash-scan', script, t);
    case 'config-read':
      return configAnswer(model, 'read', script, t);
  }
  const stdout = collectionOutput(kind, model, t, script);
  // A profile that has what the simulator cannot show: fail as a broken tool would, visibly, rather than answer "not available".
  if (stdout === null)
    return { stdout: '', stderr: `simulator: no simulated ${kind} output for this device\n`, exitCode: 127 };
  return { stdout, stderr: '', exitCode: 0 };
}
