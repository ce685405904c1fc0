import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from '../../platform/logger.ts';
import type { PrincipalRef } from '../../schema/api-token.ts';
import type { AuditAction, Trigger } from '../../schema/database.ts';
import type { LocatedProxy, NginxRun, ProxyConfLocation, ProxyConfView } from '../../schema/proxy-conf.ts';
import { toApplicationFailure } from '../activity-failure.ts';
import { captureConfigChange } from '../config/capture.ts';
import { removeFileScript } from '../../domain/config/rollback-scripts.ts';
import { writeFileContent } from '../config/rollback.ts';
import { SshError } from '../../domain/ssh/errors.ts';
import type { SshPool, SshTarget } from '../ssh/pool.ts';
import { posixShellCommand } from '../../domain/ssh/quote.ts';
import { sshTargetOf } from '../../store/devices.ts';
import {
  answerCheckScript,
  chooseProxy,
  listConfsScript,
  mountsScript,
  nginxRun,
  nginxScript,
  parseAnswerCheck,
  parseConfList,
  parseMounts,
  parseProxySurvey,
  PROXY_SURVEY_SCRIPT,
  ProxyNotFound,
} from '../../domain/proxy/proxy-scripts.ts';
import type { Repositories } from '../../store/index.ts';

export interface ProxyDeps {
  store: Repositories;
  pool: SshPool;
  logger: Logger;
}

async function target(deps: ProxyDeps, hostname: string): Promise<SshTarget> {
  const device = await deps.store.devices.findByHostname(hostname);
  if (!device) throw new SshError('device_not_found', `no device named ${hostname}`);
  return sshTargetOf(device);
}

/** Activities classify their errors; this runs one and does so. */
async function classified<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ProxyNotFound) throw ApplicationFailure.nonRetryable(err.message, 'proxy_not_found');
    throw toApplicationFailure(err);
  }
}

/** Which nginx serves the confs on the device, and where they are (see chooseProxy). */
export function locateProxy(
  deps: ProxyDeps,
  input: { hostname: string; location: ProxyConfLocation },
): Promise<LocatedProxy> {
  return classified(async () => {
    const ssh = await target(deps, input.hostname);
    const survey = parseProxySurvey(
      (await deps.pool.exec(ssh, posixShellCommand(PROXY_SURVEY_SCRIPT), { timeoutMs: 30_000 })).stdout,
    );
    const { proxy } = input.location;
    const names = proxy === 'host' ? [] : proxy === 'auto' ? survey.candidates.map((c) => c.name) : [proxy.container];
    const mounts =
      names.length === 0
        ? new Map()
        : parseMounts(
            (await deps.pool.exec(ssh, posixShellCommand(mountsScript(names)), { timeoutMs: 30_000 })).stdout,
          );
    return chooseProxy(proxy, input.location.conf_dir ?? null, survey, mounts);
  });
}

/**
 * Stores the file as it is now in the config history (nothing new when that version is stored already)
 * and answers the newest stored version: the one a revert puts back.
 */
export function storeConfVersion(
  deps: ProxyDeps,
  input: { hostname: string; path: string; correlationId: string | null },
): Promise<{ snapshotId: string | null; exists: boolean; sha256: string | null }> {
  return classified(async () => {
    const captured = await captureConfigChange(deps, {
      hostname: input.hostname,
      path: input.path,
      detectedAt: new Date().toISOString(),
      moved: false,
      openingScan: false,
      correlationId: input.correlationId,
    });
    if (!captured.stored && (captured.reason === 'too_large' || captured.reason === 'not_regular')) {
      throw ApplicationFailure.nonRetryable(
        `${input.path} is ${captured.reason === 'too_large' ? 'too large to be a proxy conf' : 'not a regular file'}`,
        'validation_error',
      );
    }
    const latest = await deps.store.configHistory.latestSnapshot(input.hostname, input.path);
    const exists = latest !== undefined && latest.changeType !== 'DELETE';
    return { snapshotId: latest?.id ?? null, exists, sha256: exists ? latest.sha256 : null };
  });
}

/** Writes a conf (or its staged replacement) atomically. Idempotent: the same bytes again change nothing. */
export function writeProxyConf(
  deps: ProxyDeps,
  input: { hostname: string; path: string; content: string },
): Promise<{ sha256: string }> {
  return classified(async () => ({
    sha256: await writeFileContent(deps.pool, await target(deps, input.hostname), input.path, input.content),
  }));
}

export function removeProxyFile(deps: ProxyDeps, input: { hostname: string; path: string }): Promise<void> {
  return classified(async () => {
    const removed = await deps.pool.exec(
      await target(deps, input.hostname),
      posixShellCommand(removeFileScript(input.path)),
      { timeoutMs: 30_000 },
    );
    if (removed.exitCode !== 0)
      throw new SshError('permission_denied', `cannot remove ${input.path}: ${removed.stderr.trim()}`);
  });
}

/** `nginx -t` or `nginx -s reload` in the located proxy. A failing nginx is an answer, not an activity failure. */
export function runProxyNginx(
  deps: ProxyDeps,
  input: { hostname: string; proxy: LocatedProxy; action: 'test' | 'reload' },
): Promise<NginxRun> {
  return classified(async () => {
    const { command, script } = nginxScript(input.proxy, input.action === 'test' ? ['-t'] : ['-s', 'reload']);
    const output = await deps.pool.exec(await target(deps, input.hostname), posixShellCommand(script), {
      timeoutMs: 60_000,
      maxOutputBytes: 64 * 1024,
    });
    return nginxRun(command, output);
  });
}

/** Asks the proxy, from the device, for the new name or path. */
export function checkProxiedName(
  deps: ProxyDeps,
  input: { hostname: string; url: string; host: string },
): Promise<NonNullable<ProxyConfView['answer']>> {
  return classified(async () => {
    const output = await deps.pool.exec(
      await target(deps, input.hostname),
      posixShellCommand(answerCheckScript(input.url, input.host)),
      { timeoutMs: 30_000 },
    );
    return { url: input.url, host: input.host, ...parseAnswerCheck(output.stdout) };
  });
}

/** The confs of the located proxy's conf dir, with their contents. */
export function readProxyConfs(deps: ProxyDeps, input: { hostname: string; confDir: string }) {
  return classified(async () => {
    const output = await deps.pool.exec(
      await target(deps, input.hostname),
      posixShellCommand(listConfsScript(input.confDir)),
      { timeoutMs: 60_000, maxOutputBytes: 8 * 1024 * 1024 },
    );
    return parseConfList(output.stdout);
  });
}

export interface RecordProxyConfInput {
  view: ProxyConfView;
  action: Extract<AuditAction, `proxy_conf_${string}`>;
  actor: PrincipalRef;
  trigger: Trigger;
  correlationId: string | null;
  /** Unique per step of the workflow, so a retried activity writes one row. */
  auditKey: string;
}

/** One audit row per step of a proxy conf change, naming whoever asked (or released it). */
export function recordProxyConf(deps: ProxyDeps, r: RecordProxyConfInput): Promise<void> {
  return classified(async () => {
    const device = await deps.store.devices.findByHostname(r.view.device);
    const { view } = r;
    await deps.store.audit.write({
      device_id: device?.id ?? null,
      hostname: view.device,
      action: r.action,
      data_type: null,
      trigger: r.trigger,
      status: view.error ? 'error' : 'success',
      error_code: view.error?.code ?? null,
      error_message: view.error?.message ?? null,
      workflow_id: view.workflow_id,
      collection_id: r.auditKey,
      correlation_id: r.correlationId,
      principal: r.actor.id,
      on_behalf_of: r.actor.on_behalf_of,
      details: JSON.stringify({
        action: view.action,
        file: view.file,
        path: view.path,
        phase: view.phase,
        replaces: view.replaces,
        previous_snapshot_id: view.previous_snapshot_id,
        new_snapshot_id: view.new_snapshot_id,
        operation_id: view.operation_id,
      }),
    });
  });
}
