import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';
import type { PrincipalRef } from '../../schema/api-token.ts';
import type { AuditAction, Trigger } from '../../schema/database.ts';
import type { StackPatch } from '../../schema/stack.ts';
import { toApplicationFailure } from '../activity-failure.ts';
import type { DockerNetworksData } from '../../domain/collectors/docker-networks.ts';
import type { PortsData } from '../../domain/collectors/ports.ts';
import { assessChangeImpact, type ChangeImpact } from '../../domain/config/change-impact.ts';
import { semanticChanges, unifiedDiff, type UnifiedDiff } from '../../domain/config/config-diff.ts';
import { parseFileRead, readFileScript } from '../../domain/config/file-read.ts';
import { parseCompose } from '../../domain/config/compose.ts';
import { removeFileScript, writeFileScript } from '../../domain/config/rollback-scripts.ts';
import { redactSecrets } from '../../domain/config/secret-redaction.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import type { SshPool, SshTarget } from '../ssh/pool.ts';
import { posixShellCommand, shellQuote } from '../../domain/ssh/quote.ts';
import { sshTargetOf } from '../../store/devices.ts';
import {
  checkStackPath,
  newStackLocation,
  StackFileError,
  type StackLocation,
} from '../../domain/compose/stack-commands.ts';
import {
  applyStackPatch,
  portConflicts,
  readStackFile,
  requestedHostPorts,
  type PortConflict,
} from '../../domain/compose/stack-file.ts';
import type { Repositories } from '../../store/index.ts';

export interface StackDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

/** Where stacks go when the device names no directory of its own. */
export const DEFAULT_STACKS_DIR = '/opt/stacks';

export interface PrepareStackInput {
  hostname: string;
  action: 'deploy' | 'update';
  name: string;
  /** The stack as its containers name it (update); deploy computes the new one. */
  location: StackLocation | null;
  compose?: string;
  patch?: StackPatch;
  /** A fresh `ports` collection. */
  ports: PortsData;
  /** A fresh `docker_networks` collection: the file's external networks must be among them. */
  networks: DockerNetworksData;
  /** Containers of this stack: the ports they publish are its own. */
  ownContainers: string[];
}

export interface StackPlan {
  location: StackLocation;
  before: string | null;
  after: string;
  diff: UnifiedDiff;
  impact: ChangeImpact;
  conflicts: PortConflict[];
  /** External networks the file needs that the device does not have. */
  missingNetworks: string[];
  /** `docker compose config` on the device: ok, or what it said. */
  validation: { ok: boolean; output: string };
  /** The services of the new file. */
  services: string[];
}

async function deviceTarget(store: Repositories, hostname: string): Promise<{ ssh: SshTarget; stacksDir: string }> {
  const device = await store.devices.findByHostname(hostname);
  if (!device) throw new SshError('device_not_found', `no device named ${hostname}`);
  return { ssh: sshTargetOf(device), stacksDir: device.stacks_dir ?? DEFAULT_STACKS_DIR };
}

/** Refused input: not retried, and its code names the reason (StackFileError codes, stack_exists...). */
function refusal(code: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: true });
}

function failureOf(err: unknown): ApplicationFailure {
  if (err instanceof StackFileError) return refusal(err.code, err.message);
  return toApplicationFailure(err);
}

async function readDeviceFile(pool: SshPool, ssh: SshTarget, path: string): Promise<string | null> {
  const read = parseFileRead(
    path,
    await pool.exec(ssh, posixShellCommand(readFileScript(path)), { timeoutMs: 30_000 }),
  );
  if (read.state === 'absent') return null;
  if (read.state !== 'present')
    throw refusal('unsafe_path', `${path} is ${read.state === 'too_large' ? 'too large' : 'not a regular file'}`);
  return read.content;
}

/**
 * Everything decided before the device changes: the new file (whole, or the current one patched), its
 * diff and impact, the host ports it would take that something else holds, and compose's own verdict on
 * it (read from stdin, so nothing is written). Throws a refusal for input that must not reach the device.
 */
export async function prepareStackChange(deps: StackDeps, input: PrepareStackInput): Promise<StackPlan> {
  try {
    const { ssh, stacksDir } = await deviceTarget(deps.store, input.hostname);
    const location = input.location ?? newStackLocation(stacksDir, input.name);
    checkStackPath(location.dir, 'stack directory');
    for (const file of location.files) checkStackPath(file, 'compose file');
    const path = location.files[0]!;
    const before = await readDeviceFile(deps.pool, ssh, path);
    if (input.action === 'deploy' && before !== null)
      throw refusal('stack_exists', `${path} already exists on ${input.hostname}: update the stack instead`);
    if (input.action === 'update' && before === null)
      throw refusal('not_found', `${path} does not exist on ${input.hostname}`);
    const after = input.patch ? applyStackPatch(before ?? '', input.patch) : (input.compose ?? '');
    const { config, externalNetworks } = readStackFile(after);
    const conflicts = portConflicts(requestedHostPorts(config), input.ports, new Set(input.ownContainers));
    const existing = new Set(input.networks.networks.map((n) => n.name));
    const missingNetworks = externalNetworks.filter((n) => !existing.has(n));
    const parsedBefore = before === null ? null : parseCompose(before);
    const parsedAfter = parseCompose(after);
    const changes = semanticChanges(parsedBefore, parsedAfter);
    const impact = assessChangeImpact({
      path,
      changeType: before === null ? 'CREATE' : 'MODIFY',
      before: parsedBefore,
      after: parsedAfter,
      changes,
    });
    // The diff goes to the requester and into the hold: secret values show as redacted (changed or not), as in the config history.
    const diff = unifiedDiff(
      path,
      before === null ? null : redactSecrets(before).text,
      redactSecrets(after, before).text,
      { maxBytes: 64 * 1024 },
    );
    let validation = { ok: true, output: '' };
    if (conflicts.length === 0 && missingNetworks.length === 0) {
      // The other files of the project (overrides) take part as they are; the new first file comes on stdin.
      const files = ['-', ...location.files.slice(1)].map((f) => `-f ${shellQuote(f)}`).join(' ');
      const check = `docker compose --project-directory ${shellQuote(location.dir)} -p ${shellQuote(location.project)} ${files} config -q`;
      const out = await deps.pool.exec(ssh, posixShellCommand(check), {
        timeoutMs: 60_000,
        stdin: Buffer.from(after, 'utf8'),
        maxOutputBytes: 16 * 1024,
      });
      validation = { ok: out.exitCode === 0, output: `${out.stdout}${out.stderr}`.trim() };
    }
    return {
      location,
      before,
      after,
      diff,
      impact,
      conflicts,
      missingNetworks,
      validation,
      services: config.services.map((s) => s.name),
    };
  } catch (err) {
    throw failureOf(err);
  }
}

/** Writes a stack file (creating its directory), byte-exact from stdin; answers its sha256. */
export async function writeStackFile(
  deps: StackDeps,
  input: { hostname: string; path: string; content: string },
): Promise<{ sha256: string }> {
  try {
    checkStackPath(input.path, 'stack file');
    const { ssh } = await deviceTarget(deps.store, input.hostname);
    const script = `mkdir -p -- "$(dirname ${shellQuote(input.path)})" || exit 3\n${writeFileScript(input.path)}`;
    const written = await deps.pool.exec(ssh, posixShellCommand(script), {
      timeoutMs: 60_000,
      stdin: Buffer.from(input.content, 'utf8'),
    });
    const sha256 = /^([0-9a-f]{64})\b/.exec(written.stdout)?.[1];
    if (written.exitCode !== 0 || sha256 === undefined) {
      const reason = written.stderr.trim().split('\n')[0] ?? `exit status ${written.exitCode}`;
      throw new SshError(
        /permission denied|read-only/i.test(reason) ? 'permission_denied' : 'unknown',
        `cannot write ${input.path}: ${reason}`,
      );
    }
    return { sha256 };
  } catch (err) {
    throw failureOf(err);
  }
}

/** Removes one file of ours (a staged version, a pin override), or a whole stack directory. */
export async function removeStackPath(
  deps: StackDeps,
  input: { hostname: string; path: string; directory: boolean },
): Promise<void> {
  try {
    checkStackPath(input.path, 'stack path');
    const { ssh } = await deviceTarget(deps.store, input.hostname);
    const script = input.directory ? `rm -rf -- ${shellQuote(input.path)}` : removeFileScript(input.path);
    const out = await deps.pool.exec(ssh, posixShellCommand(script), { timeoutMs: 60_000 });
    if (out.exitCode !== 0)
      throw new SshError('permission_denied', `cannot remove ${input.path}: ${out.stderr.trim().split('\n')[0] ?? ''}`);
  } catch (err) {
    throw failureOf(err);
  }
}

/**
 * Undoes a deploy that did not come up: removes the containers and networks it created (never volumes:
 * a volume of that name may hold data of an earlier stack) and its directory. Runs without a hold: it
 * only takes away what this same workflow just made.
 */
export async function removeFailedDeploy(
  deps: StackDeps,
  input: { hostname: string; location: StackLocation },
): Promise<{ output: string }> {
  try {
    const { location } = input;
    checkStackPath(location.dir, 'stack directory');
    const { ssh } = await deviceTarget(deps.store, input.hostname);
    const files = location.files.map((f) => `-f ${shellQuote(f)}`).join(' ');
    const script = `cd ${shellQuote(location.dir)} && docker compose -p ${shellQuote(location.project)} ${files} down --remove-orphans 2>&1; cd / && rm -rf -- ${shellQuote(location.dir)}`;
    const out = await deps.pool.exec(ssh, posixShellCommand(script), { timeoutMs: 120_000, maxOutputBytes: 16 * 1024 });
    return { output: out.stdout.trim() };
  } catch (err) {
    throw failureOf(err);
  }
}

/** `{{json .RepoDigests}}`: null for an image that has none. */
const RepoDigests = z.array(z.string()).nullable();
const jsonOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The registry digests (`repo@sha256:...`) the device knows for image ids, read with one
 * `docker image inspect`. An image built locally has none: its id is all there is.
 */
export async function imageDigests(
  deps: StackDeps,
  input: { hostname: string; imageIds: string[] },
): Promise<Record<string, string[]>> {
  try {
    const ids = input.imageIds.filter((id) => /^sha256:[0-9a-f]{64}$/.test(id));
    if (ids.length === 0) return {};
    const { ssh } = await deviceTarget(deps.store, input.hostname);
    const script = `docker image inspect --format '{{.Id}}{{"\\t"}}{{json .RepoDigests}}' ${ids.map(shellQuote).join(' ')}`;
    const out = await deps.pool.exec(ssh, posixShellCommand(script), { timeoutMs: 30_000, maxOutputBytes: 256 * 1024 });
    const digests: Record<string, string[]> = {};
    for (const line of out.stdout.split('\n')) {
      const [id, json] = line.split('\t');
      if (!id || !json) continue;
      const list = RepoDigests.safeParse(jsonOrUndefined(json));
      if (!list.success)
        throw new SshError(
          'parse_error',
          `docker image inspect on ${input.hostname}: RepoDigests of ${id} is not a list of strings (${json.slice(0, 200)})`,
        );
      digests[id] = list.data ?? [];
    }
    return digests;
  } catch (err) {
    throw failureOf(err);
  }
}

export interface StackFiles {
  content: string | null;
  /** Keys of each env file beside the stack; values never leave the device. */
  envFiles: Array<{ path: string; keys: string[] }>;
}

/**
 * The stack's first compose file and the keys (only) of the env files it names or keeps beside it; with
 * `envKeys: false` (a check that the file is there) the file alone.
 */
export async function readStackFiles(
  deps: StackDeps,
  input: { hostname: string; location: StackLocation; envKeys?: boolean },
): Promise<StackFiles> {
  try {
    const { location } = input;
    checkStackPath(location.dir, 'stack directory');
    for (const file of location.files) checkStackPath(file, 'compose file');
    const { ssh } = await deviceTarget(deps.store, input.hostname);
    const content = await readDeviceFile(deps.pool, ssh, location.files[0]!);
    if (input.envKeys === false) return { content, envFiles: [] };
    const parsed = content === null ? null : parseCompose(content);
    const named = parsed?.ok && parsed.data.kind === 'compose' ? parsed.data.services.flatMap((s) => s.env_files) : [];
    const paths = [...new Set(['.env', ...named])]
      .filter((p) => !p.split('/').includes('..'))
      .map((p) => (p.startsWith('/') ? p : `${location.dir}/${p.replace(/^\.\//, '')}`))
      .filter((p) => /^\/[A-Za-z0-9._/-]+$/.test(p));
    // Only what precedes `=` on each assignment line is printed: the values stay on the device.
    const script = paths
      .map(
        (p) =>
          `f=${shellQuote(p)}; if [ -f "$f" ]; then echo "@@env $f"; sed -n 's/^[[:space:]]*\\(export[[:space:]]\\{1,\\}\\)\\{0,1\\}\\([A-Za-z_][A-Za-z0-9_]*\\)[[:space:]]*=.*/\\2/p' "$f"; fi`,
      )
      .join('\n');
    const envFiles: StackFiles['envFiles'] = [];
    if (script) {
      const out = await deps.pool.exec(ssh, posixShellCommand(script), {
        timeoutMs: 30_000,
        maxOutputBytes: 64 * 1024,
      });
      for (const line of out.stdout.split('\n')) {
        if (line.startsWith('@@env ')) envFiles.push({ path: line.slice(6), keys: [] });
        else if (line.trim() && envFiles.length > 0) envFiles[envFiles.length - 1]!.keys.push(line.trim());
      }
    }
    return { content, envFiles };
  } catch (err) {
    throw failureOf(err);
  }
}

export interface StackAuditInput {
  hostname: string;
  action: Extract<AuditAction, 'stack_operation' | 'stack_file_written'>;
  principal: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  workflowId: string;
  /** Unique per row: a retried activity writes it once. */
  key: string;
  status: 'success' | 'error';
  details: Record<string, unknown>;
  error?: { code: string; message: string } | null;
}

export async function auditStack(deps: StackDeps, input: StackAuditInput): Promise<void> {
  const device = await deps.store.devices.findByHostname(input.hostname);
  await deps.store.audit.write({
    device_id: device?.id ?? null,
    hostname: input.hostname,
    action: input.action,
    data_type: null,
    trigger: input.trigger,
    cache_hit: null,
    force_refresh: null,
    duration_ms: null,
    duration_ms_sum: null,
    duration_ms_min: null,
    duration_ms_max: null,
    status: input.status,
    error_code: input.error?.code ?? null,
    error_message: input.error?.message ?? null,
    workflow_id: input.workflowId,
    collection_id: input.key,
    snapshot_id: null,
    correlation_id: input.correlationId,
    principal: input.principal.id,
    on_behalf_of: input.principal.on_behalf_of,
    details: JSON.stringify(input.details),
  });
}
