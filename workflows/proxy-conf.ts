import { defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { principalRefOf } from '../schema/principal.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import type {
  LocatedProxy,
  ProxyConfInput,
  ProxyConfLocation,
  ProxyConfPhase,
  ProxyConfView,
} from '../schema/proxy-conf.ts';
import { shellQuote } from '../domain/ssh/quote.ts';
import { runOperationStep } from './child-operation.ts';
import { describeFailure } from './failure.ts';

// Every step is a read, an idempotent write of known bytes, `nginx -t` or a reload: safe to retry.
const {
  locateProxy,
  storeConfVersion,
  writeProxyConf,
  removeProxyFile,
  runProxyNginx,
  checkProxiedName,
  readProxyConfs,
  recordProxyConf,
  writeConfigVersion,
} = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    maximumAttempts: 5,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: [...NON_RETRYABLE_DEVICE_ERRORS, 'proxy_not_found', 'validation_error'],
  },
});

export const proxyConfQuery = defineQuery<ProxyConfView>('proxyConf');

/**
 * Creates, replaces or removes one proxy conf on a device: the version before and after go to the config
 * history; `nginx -t` in the proxy validates, a reload applies, and the new name must answer through the
 * proxy. Any failure puts the previous conf back (or removes the new one) and reloads. Replacing and
 * removing are operations held for a person's phrase, like any destructive command.
 */
export async function proxyConfWorkflow(input: ProxyConfInput): Promise<ProxyConfView> {
  input = { ...input, requestedBy: principalRefOf(input.requestedBy) };
  const view: ProxyConfView = {
    device: input.hostname,
    action: input.action,
    file: input.file,
    path: null,
    phase: 'locating',
    proxy: null,
    replaces: false,
    previous_snapshot_id: null,
    new_snapshot_id: null,
    validation: null,
    reload: null,
    answer: null,
    operation_id: null,
    error: null,
    workflow_id: workflowInfo().workflowId,
  };
  setHandler(proxyConfQuery, () => view);
  const ops = {
    hostname: input.hostname,
    requestedBy: input.requestedBy,
    trigger: input.trigger,
    correlationId: input.correlationId,
    settings: input.operationSettings,
    workflowPrefix: input.operationWorkflowPrefix,
  };
  let auditSeq = 0;
  const audit = (action: 'proxy_conf_requested' | 'proxy_conf_changed' | 'proxy_conf_reverted') =>
    recordProxyConf({
      view: { ...view },
      action,
      actor: input.requestedBy,
      trigger: input.trigger,
      correlationId: input.correlationId,
      auditKey: `${view.workflow_id}/${workflowInfo().runId}/${++auditSeq}`,
    });
  const fail = (phase: ProxyConfPhase, code: string, message: string) => {
    view.phase = phase;
    view.error = { code, message };
  };

  await audit('proxy_conf_requested');
  try {
    const proxy = await locateProxy({ hostname: input.hostname, location: input.location });
    view.proxy = proxy;
    const path = `${proxy.conf_dir.replace(/\/+$/, '')}/${input.file}`;
    view.path = path;
    const before = await storeConfVersion({ hostname: input.hostname, path, correlationId: input.correlationId });
    view.previous_snapshot_id = before.exists ? before.snapshotId : null;
    view.replaces = before.exists;
    const changed = input.action === 'create' ? await write(path, before) : await remove(path, before);
    if (changed) await apply(path, before.exists ? before.snapshotId : null, proxy);
  } catch (err) {
    const failure = describeFailure(err);
    fail('failed', failure.code, failure.message);
  }
  await audit(view.phase === 'reverted' ? 'proxy_conf_reverted' : 'proxy_conf_changed');
  return view;

  /** Puts the new conf in place; false when nothing changed (same content, or the replace was not released). */
  async function write(path: string, before: { exists: boolean; sha256: string | null }): Promise<boolean> {
    const content = input.content!;
    if (before.exists && before.sha256 === input.contentSha256) {
      view.phase = 'completed';
      view.new_snapshot_id = view.previous_snapshot_id;
      return false;
    }
    view.phase = 'writing';
    if (!before.exists) {
      await writeProxyConf({ hostname: input.hostname, path, content });
      return true;
    }
    // The replacement waits beside the conf (a name nginx does not include) while a person decides; the
    // held command is the rename that puts it in place.
    const staged = `${path.replace(/[^/]+$/, '')}.${input.file}.infra-new`;
    await writeProxyConf({ hostname: input.hostname, path: staged, content });
    const released = await held(
      `mv -f -- ${shellQuote(staged)} ${shellQuote(path)}`,
      `replaces the proxy conf ${path} (the previous version stays in the config history)`,
      `replace proxy conf ${input.file} on ${input.hostname}`,
    );
    if (!released) await removeProxyFile({ hostname: input.hostname, path: staged });
    return released;
  }

  async function remove(path: string, before: { exists: boolean }): Promise<boolean> {
    if (!before.exists) {
      fail('failed', 'not_found', `${path} does not exist on ${input.hostname}`);
      return false;
    }
    return held(
      `rm -f -- ${shellQuote(path)}`,
      `removes the proxy conf ${path}: its name stops being proxied`,
      `remove proxy conf ${input.file} on ${input.hostname}`,
    );
  }

  /** Runs the command as an operation held for the phrase; true once it ran and succeeded. */
  async function held(command: string, reason: string, phrase: string): Promise<boolean> {
    const op = await runOperationStep(ops, command, {
      hold: { reason, phrase },
      onStarted: (id) => {
        view.operation_id = id;
        view.phase = 'awaiting_confirmation';
      },
    });
    if (op.state === 'completed' && op.result?.exit_code === 0) {
      view.phase = 'writing';
      return true;
    }
    if (op.state === 'completed')
      fail('failed', 'command_failed', `${command} exited ${op.result?.exit_code}: ${op.result?.stderr.trim() ?? ''}`);
    else if (op.state === 'failed' || op.state === 'blocked')
      fail('failed', op.error?.code ?? `operation_${op.state}`, op.error?.message ?? `the operation was ${op.state}`);
    else fail('abandoned', `operation_${op.state}`, `the operation was ${op.state}; the conf is unchanged`);
    return false;
  }

  /** Records the new version, validates, reloads and checks; undoes all of it on the first failure, the device's own included. */
  async function apply(path: string, restoreSnapshotId: string | null, proxy: LocatedProxy): Promise<void> {
    try {
      await validateAndCheck(path, restoreSnapshotId, proxy);
    } catch (err) {
      const failure = describeFailure(err);
      try {
        await revert(path, restoreSnapshotId, proxy, failure.code, failure.message);
      } catch (revertErr) {
        fail(
          'failed',
          failure.code,
          `${failure.message}; putting the previous conf back failed too (${describeFailure(revertErr).message}): ${path} holds the new version`,
        );
      }
    }
  }

  async function validateAndCheck(path: string, restoreSnapshotId: string | null, proxy: LocatedProxy): Promise<void> {
    view.new_snapshot_id = (
      await storeConfVersion({ hostname: input.hostname, path, correlationId: input.correlationId })
    ).snapshotId;
    view.phase = 'validating';
    view.validation = await runProxyNginx({ hostname: input.hostname, proxy, action: 'test' });
    if (!view.validation.ok)
      return revert(
        path,
        restoreSnapshotId,
        proxy,
        'nginx_test_failed',
        `${view.validation.command} failed:\n${view.validation.output}`,
      );
    view.phase = 'reloading';
    view.reload = await runProxyNginx({ hostname: input.hostname, proxy, action: 'reload' });
    if (!view.reload.ok)
      return revert(
        path,
        restoreSnapshotId,
        proxy,
        'reload_failed',
        `${view.reload.command} failed:\n${view.reload.output}`,
      );
    if (input.check) {
      view.phase = 'checking';
      view.answer = await checkProxiedName({ hostname: input.hostname, ...input.check });
      if (view.answer.checked && !view.answer.answering)
        return revert(
          path,
          restoreSnapshotId,
          proxy,
          'not_answering',
          `${input.check.host} ${input.check.url}: ${view.answer.detail}`,
        );
    }
    view.phase = 'completed';
  }

  async function revert(
    path: string,
    snapshotId: string | null,
    proxy: LocatedProxy,
    code: string,
    why: string,
  ): Promise<void> {
    await writeConfigVersion({ hostname: input.hostname, path, snapshotId });
    await storeConfVersion({ hostname: input.hostname, path, correlationId: input.correlationId });
    const reload = await runProxyNginx({ hostname: input.hostname, proxy, action: 'reload' });
    const restored =
      snapshotId === null ? 'the new conf was removed' : `the previous conf (version ${snapshotId}) was put back`;
    fail(
      'reverted',
      code,
      `${why}\n${restored}${reload.ok ? ' and nginx reloaded' : `; reloading nginx failed too: ${reload.output}`}`,
    );
  }
}

/** The located proxy and the confs in its conf dir, read live from the device. */
export async function proxyConfListWorkflow(input: { hostname: string; location: ProxyConfLocation }) {
  const proxy = await locateProxy(input);
  const read = await readProxyConfs({ hostname: input.hostname, confDir: proxy.conf_dir });
  return { proxy, ...read };
}
