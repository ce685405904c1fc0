import { defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ContainerInfo } from '../domain/collectors/containers.ts';
import type { DockerNetworksData } from '../domain/collectors/docker-networks.ts';
import type { PortsData } from '../domain/collectors/ports.ts';
import type { StackPlan } from '../activities/stacks/stack-activities.ts';
import {
  composeCommand,
  composeInvocation,
  IMAGE_LABEL,
  locationFromLabels,
  newStackLocation,
  pinnedPath,
  PROJECT_LABEL,
  SERVICE_LABEL,
  StackFileError,
  stagedPath,
  type StackLocation,
} from '../domain/compose/stack-commands.ts';
import { shellQuote } from '../domain/ssh/quote.ts';
import { principalRefOf } from '../schema/principal.ts';
import { NON_RETRYABLE_DEVICE_ERRORS } from '../schema/error-codes.ts';
import type { OperationView } from '../schema/operation.ts';
import type { StackOperationInput, StackOperationView } from '../schema/stack.ts';
import { runOperationStep, type OperationContext } from './child-operation.ts';
import { freshContainers, readiness } from './container-steps.ts';
import { describeFailure } from './failure.ts';

export const stackOperationQuery = defineQuery<StackOperationView>('stackOperation');

const { collect, captureConfigChange, imageDigests, auditStack, removeStackPath, readStackFiles } =
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
  });
// Refusals (bad file, unsafe name, port taken...) are non-retryable failures of their own type.
const { prepareStackChange, writeStackFile, removeFailedDeploy } = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  retry: { maximumAttempts: 3, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_DEVICE_ERRORS },
});

const POLL_MS = 2_000;
const LOG_LINES = 50;
/** Codes of input the device never saw: the request is refused, nothing was written. */
const REFUSALS = new Set([
  'invalid_compose',
  'yaml_bomb',
  'unsafe_name',
  'unsafe_path',
  'invalid_patch',
  'too_large',
  'stack_exists',
  'not_found',
  'port_conflict',
  'missing_network',
  'stack_file_missing',
]);

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One change to a compose stack on a device: deploy, update, pull, restart, down or remove. Every
 * command on the device is an operation of its own (assessed, held for a person when destructive,
 * audited with its principal); every version of the compose file lands in the config history. A deploy
 * that does not come up is taken away again; an update or pull that does not is undone to the previous
 * file and the previous image digests.
 */
export async function stackOperationWorkflow(input: StackOperationInput): Promise<StackOperationView> {
  input = { ...input, requestedBy: principalRefOf(input.requestedBy) };
  const { hostname, name } = input;
  const view: StackOperationView = {
    action: input.action,
    device: hostname,
    stack: name,
    phase: 'planning',
    file: null,
    diff: null,
    impact: null,
    port_conflicts: [],
    digests: null,
    services: [],
    operation_ids: [],
    pending_operation_id: null,
    error: null,
    workflow_id: workflowInfo().workflowId,
  };
  setHandler(stackOperationQuery, () => view);
  const ops: OperationContext = {
    hostname,
    requestedBy: input.requestedBy,
    trigger: input.trigger,
    correlationId: input.correlationId,
    settings: input.operationSettings,
    workflowPrefix: input.operationWorkflowPrefix,
  };
  const requester = { hostname, trigger: input.trigger, correlationId: input.correlationId };
  let auditSeq = 0;
  const audit = (action: 'stack_operation' | 'stack_file_written', details: Record<string, unknown>, failed = false) =>
    auditStack({
      hostname,
      action,
      principal: input.requestedBy,
      trigger: input.trigger,
      correlationId: input.correlationId,
      workflowId: view.workflow_id,
      key: `${view.workflow_id}/stack/${++auditSeq}`,
      status: failed ? 'error' : 'success',
      details,
      error: failed ? view.error : null,
    });

  try {
    switch (input.action) {
      case 'deploy':
        await deploy();
        break;
      case 'update':
        await update();
        break;
      case 'pull':
        await pull();
        break;
      case 'restart':
        await restart();
        break;
      case 'down':
        await down(false);
        break;
      case 'remove':
        await down(true);
        break;
    }
  } catch (err) {
    const failure =
      err instanceof Refused || err instanceof StackFileError
        ? { code: err.code, message: err.message }
        : describeFailure(err);
    view.error = { ...failure, ...(view.error?.logs !== undefined && { logs: view.error.logs }) };
    view.phase = REFUSALS.has(failure.code) ? 'refused' : 'failed';
  }
  view.pending_operation_id = null;
  await audit(
    'stack_operation',
    { action: input.action, stack: name, phase: view.phase, file: view.file, operation_ids: view.operation_ids },
    view.error !== null,
  );
  return view;

  // -------------------------------------------------------------------------------------------------

  async function deploy(): Promise<void> {
    const location = newStackLocation(input.stacksDir, name);
    const containers = await projectContainers();
    if (containers.length > 0)
      throw new Refused(
        'stack_exists',
        `a compose project ${name} already runs on ${hostname} (${containers.map((c) => c.name).join(', ')})`,
      );
    const plan = await plan_('deploy', location, []);
    const file = location.files[0]!;
    await writeStackFile({ hostname, path: file, content: plan.after });
    await audit('stack_file_written', { path: file, stack: name });
    await capture(file);
    view.phase = 'applying';
    const failure =
      (await commandFailure(composeCommand(location, ['pull']))) ??
      (await commandFailure(composeCommand(location, ['up', '-d', '--remove-orphans'])));
    const notReady = failure === null ? await waitReady(plan.services) : null;
    if (failure === null && notReady === null) {
      view.phase = 'completed';
      return;
    }
    // Taken away again: containers, networks and the directory this deploy created.
    const logs = notReady ? await serviceLogs(location, notReady.service) : undefined;
    await removeFailedDeploy({ hostname, location });
    await capture(file);
    view.error = {
      code: 'deploy_failed',
      message: `${failure ?? `${notReady!.service} ${notReady!.detail}`}; what the deploy created was removed`,
      ...(logs !== undefined && { logs }),
    };
    view.phase = 'failed';
  }

  async function update(): Promise<void> {
    const own = await projectContainers();
    const location = locate(own);
    const plan = await plan_('update', location, own);
    if (plan.diff.text === '') {
      view.phase = 'completed';
      return;
    }
    const before = await digestsOf(own);
    const file = location.files[0]!;
    const staged = stagedPath(location);
    await writeStackFile({ hostname, path: staged, content: plan.after });
    view.phase = 'applying';
    const pullFailure = await commandFailure(composeCommand(location, ['pull'], [staged, ...location.files.slice(1)]));
    if (pullFailure !== null) {
      await removeStackPath({ hostname, path: staged, directory: false });
      throw new Refused('pull_failed', `${pullFailure}; nothing was changed`);
    }
    await capture(file);
    const destructive = plan.impact.risk_level === 'HIGH' || plan.impact.risk_level === 'CRITICAL';
    const apply = `cd ${shellQuote(location.dir)} && mv -f ${shellQuote(staged)} ${shellQuote(file)} && ${composeInvocation(location, ['up', '-d', '--remove-orphans'])}`;
    const op = await step(
      apply,
      destructive
        ? {
            reason: `replaces stack ${name}: ${plan.impact.reasons.join('; ')}. Diff (+${plan.diff.added} -${plan.diff.removed}):\n${plan.diff.text.slice(0, 4000)}`,
            phrase: `update stack ${name} on ${hostname}`,
          }
        : undefined,
    );
    if (op.state !== 'completed') {
      await removeStackPath({ hostname, path: staged, directory: false });
      view.error = {
        code: op.state,
        message: `the update was ${op.state}${op.error ? `: ${op.error.message}` : ''}; nothing was changed`,
      };
      view.phase = 'cancelled';
      return;
    }
    await audit('stack_file_written', { path: file, stack: name });
    await capture(file);
    const failure =
      op.result?.exit_code === 0
        ? null
        : `docker compose up exited ${op.result?.exit_code}: ${lastLine(op.result?.stderr)}`;
    const notReady = failure === null ? await waitReady(plan.services) : null;
    if (failure === null && notReady === null) {
      view.digests = { before, after: await digestsOf(await projectContainers()) };
      view.phase = 'completed';
      return;
    }
    await revert(
      location,
      plan.before,
      before,
      failure ?? `${notReady!.service} ${notReady!.detail}`,
      notReady?.service,
    );
  }

  /** Newest images for the stack's tags, then the containers recreated on them; undone when they do not come up. */
  async function pull(): Promise<void> {
    const own = await running();
    const location = locate(own);
    view.file = location.files[0]!;
    await requireStackFile(location);
    const before = await digestsOf(own);
    view.phase = 'applying';
    const failure =
      (await commandFailure(composeCommand(location, ['pull']))) ??
      (await commandFailure(composeCommand(location, ['up', '-d', '--remove-orphans'])));
    const notReady = failure === null ? await waitReady(servicesOf(own)) : null;
    if (failure === null && notReady === null) {
      view.digests = { before, after: await digestsOf(await projectContainers()) };
      view.phase = 'completed';
      return;
    }
    await revert(location, null, before, failure ?? `${notReady!.service} ${notReady!.detail}`, notReady?.service);
  }

  async function restart(): Promise<void> {
    const own = await running();
    const location = locate(own);
    view.file = location.files[0]!;
    await requireStackFile(location);
    view.phase = 'applying';
    const failure = await commandFailure(composeCommand(location, ['restart']));
    if (failure !== null) throw new Refused('restart_failed', failure);
    const notReady = await waitReady(servicesOf(own));
    if (notReady) {
      view.error = {
        code: 'not_ready',
        message: `${notReady.service} ${notReady.detail}`,
        logs: await serviceLogs(location, notReady.service),
      };
      view.phase = 'failed';
      return;
    }
    view.phase = 'completed';
  }

  /** `down` (containers and networks; the file stays) or `remove` (also the directory; volumes only when asked). */
  async function down(remove: boolean): Promise<void> {
    const own = await projectContainers();
    const location = locate(own);
    const file = location.files[0]!;
    view.file = file;
    const services = servicesOf(own);
    const volumes = remove && input.volumes === true;
    const loss = [
      `downtime: ${services.length > 0 ? `services ${services.join(', ')} stop` : 'the stack stops'} until it is deployed again`,
      ...(remove
        ? [`its directory ${location.dir} and compose file are deleted (the last version stays in the config history)`]
        : []),
      ...(volumes ? ['its named volumes are deleted with ALL THEIR DATA, for good'] : []),
    ];
    if (remove) await capture(file);
    view.phase = 'applying';
    const op = await step(composeCommand(location, ['down', '--remove-orphans', ...(volumes ? ['--volumes'] : [])]), {
      reason: `${remove ? 'removes' : 'takes down'} stack ${name}: ${loss.join('; ')}`,
      phrase: `${remove ? 'remove' : 'down'} stack ${name} on ${hostname}`,
    });
    if (op.state !== 'completed') {
      view.error = {
        code: op.state,
        message: `${input.action} was ${op.state}${op.error ? `: ${op.error.message}` : ''}; nothing was changed`,
      };
      view.phase = 'cancelled';
      return;
    }
    if (op.result?.exit_code !== 0)
      throw new Refused(
        `${input.action}_failed`,
        `docker compose down exited ${op.result?.exit_code}: ${lastLine(op.result?.stderr)}`,
      );
    if (remove) {
      await removeStackPath({ hostname, path: location.dir, directory: true });
      await capture(file);
    }
    view.phase = 'completed';
  }

  // -------------------------------------------------------------------------------------------------

  /**
   * Puts the previous file back (when there was one to change) and runs every service on the image it
   * ran before — pinned by digest through a temporary override — then waits for it to come up again.
   */
  async function revert(
    location: StackLocation,
    previousFile: string | null,
    previousImages: Record<string, string>,
    reason: string,
    failingService: string | undefined,
  ): Promise<void> {
    view.phase = 'reverting';
    const logs = failingService ? await serviceLogs(location, failingService) : undefined;
    const file = location.files[0]!;
    if (previousFile !== null) {
      await writeStackFile({ hostname, path: file, content: previousFile });
      await audit('stack_file_written', { path: file, stack: name, restored: true });
      await capture(file);
    }
    const pinned = pinnedPath(location);
    const pins = Object.keys(previousImages).length > 0;
    // JSON is YAML: the override needs no YAML library in the workflow.
    if (pins)
      await writeStackFile({
        hostname,
        path: pinned,
        content: `${JSON.stringify({ services: Object.fromEntries(Object.entries(previousImages).map(([s, image]) => [s, { image }])) }, null, 2)}\n`,
      });
    const upFailure = await commandFailure(
      composeCommand(
        location,
        ['up', '-d', '--remove-orphans', '--pull', 'never'],
        pins ? [...location.files, pinned] : location.files,
      ),
    );
    if (pins) await removeStackPath({ hostname, path: pinned, directory: false });
    const notReady = upFailure === null ? await waitReady(Object.keys(previousImages)) : null;
    view.digests = { before: previousImages, after: await digestsOf(await projectContainers()) };
    const restored = upFailure === null && notReady === null;
    view.error = {
      code: restored ? `${input.action}_reverted` : 'revert_failed',
      message: restored
        ? `${reason}; the previous ${previousFile !== null ? 'file and ' : ''}image digests were restored and the stack runs again`
        : `${reason}; restoring the previous ${previousFile !== null ? 'file and ' : ''}images did not bring the stack back: ${upFailure ?? `${notReady!.service} ${notReady!.detail}`}`,
      ...(logs !== undefined && { logs }),
    };
    view.phase = restored ? 'reverted' : 'failed';
  }

  async function plan_(action: 'deploy' | 'update', location: StackLocation, own: ContainerInfo[]): Promise<StackPlan> {
    const fresh = async (dataType: 'ports' | 'docker_networks') =>
      (
        await collect({
          hostname,
          dataType,
          trigger: input.trigger,
          forceRefresh: true,
          correlationId: input.correlationId,
          principal: input.requestedBy.id,
        })
      ).data;
    const ports = (await fresh('ports')) as PortsData;
    const networks = (await fresh('docker_networks')) as DockerNetworksData;
    const plan = await prepareStackChange({
      hostname,
      action,
      name,
      location,
      ...(input.compose !== undefined && { compose: input.compose }),
      ...(input.patch !== undefined && { patch: input.patch }),
      ports,
      networks,
      ownContainers: own.map((c) => c.name),
    });
    view.file = location.files[0]!;
    view.diff = { text: plan.diff.text, added: plan.diff.added, removed: plan.diff.removed };
    view.impact = {
      risk_level: plan.impact.risk_level,
      reasons: plan.impact.reasons,
      affected_services: plan.impact.affected_services,
    };
    view.port_conflicts = plan.conflicts;
    if (plan.conflicts.length > 0) {
      throw new Refused(
        'port_conflict',
        `host port${plan.conflicts.length > 1 ? 's' : ''} already taken: ${plan.conflicts.map((c) => `${c.port}/${c.protocol} (service ${c.service}) by ${c.held_by}`).join('; ')}; nothing was written`,
      );
    }
    if (plan.missingNetworks.length > 0) {
      throw new Refused(
        'missing_network',
        `external network${plan.missingNetworks.length > 1 ? 's' : ''} ${plan.missingNetworks.join(', ')} not found on ${hostname} (docker network create it first); nothing was written`,
      );
    }
    if (!plan.validation.ok)
      throw new Refused(
        'invalid_compose',
        `docker compose config refused the file: ${plan.validation.output.slice(0, 2000)}; nothing was written`,
      );
    return plan;
  }

  async function projectContainers(): Promise<ContainerInfo[]> {
    return (await freshContainers(requester)).containers.filter((c) => c.labels[PROJECT_LABEL] === name);
  }

  /** The project's containers; pull and restart act on a stack that has some. */
  async function running(): Promise<ContainerInfo[]> {
    const own = await projectContainers();
    if (own.length === 0)
      throw new Refused('not_found', `stack ${name} has no containers on ${hostname}: deploy it first`);
    return own;
  }

  /** Compose needs the stack's file: containers whose project directory is gone are refused before anything runs. */
  async function requireStackFile(location: StackLocation): Promise<void> {
    if ((await readStackFiles({ hostname, location, envKeys: false })).content !== null) return;
    throw new Refused(
      'stack_file_missing',
      `the compose file ${location.files[0]} of stack ${name} is not on ${hostname} (its containers were started from there); deploy the stack again or act on its containers; nothing was run`,
    );
  }

  /** Where the running project keeps its files, or where a stopped one of ours would be. */
  function locate(own: ContainerInfo[]): StackLocation {
    for (const c of own) {
      const location = locationFromLabels(name, c.labels);
      if (location) return location;
    }
    return newStackLocation(input.stacksDir, name);
  }

  function servicesOf(own: ContainerInfo[]): string[] {
    return [...new Set(own.map((c) => c.labels[SERVICE_LABEL]).filter((s): s is string => s !== undefined))].sort();
  }

  /** Each service's image as `repo@sha256:...` where the device knows a registry digest for it, else its image id. */
  async function digestsOf(own: ContainerInfo[]): Promise<Record<string, string>> {
    const ids = [...new Set(own.map((c) => c.labels[IMAGE_LABEL]).filter((id): id is string => id !== undefined))];
    const known = ids.length > 0 ? await imageDigests({ hostname, imageIds: ids }) : {};
    const images: Record<string, string> = {};
    for (const c of own) {
      const service = c.labels[SERVICE_LABEL];
      const id = c.labels[IMAGE_LABEL];
      if (!service || !id) continue;
      const repository = c.image.split('@')[0]!.replace(/:[^/:]+$/, '');
      const digests = known[id] ?? [];
      images[service] = digests.find((d) => d.startsWith(`${repository}@`)) ?? digests[0] ?? id;
    }
    return images;
  }

  async function capture(path: string): Promise<void> {
    await captureConfigChange({
      hostname,
      path,
      detectedAt: new Date().toISOString(),
      moved: false,
      openingScan: false,
      correlationId: input.correlationId,
    });
  }

  async function step(command: string, hold?: { reason: string; phrase: string }): Promise<OperationView> {
    const op = await runOperationStep(ops, command, {
      ...(hold && { hold }),
      onStarted: (id) => {
        view.pending_operation_id = id;
        view.operation_ids.push(id);
      },
    });
    view.pending_operation_id = null;
    return op;
  }

  /** Null when the command ran and exited 0, else what went wrong. */
  async function commandFailure(command: string): Promise<string | null> {
    const op = await step(command);
    if (op.state !== 'completed') return `${command} was ${op.state}${op.error ? `: ${op.error.message}` : ''}`;
    if (op.result?.exit_code !== 0)
      return `${command.replace(/^cd [^&]+&& /, '')} exited ${op.result?.exit_code}: ${lastLine(op.result?.stderr)}`;
    return null;
  }

  /**
   * Polls (durable timers between looks) until every service has a container that runs — and is
   * healthy, when it has a healthcheck — or one cannot get there, or the deadline passes.
   */
  async function waitReady(services: string[]): Promise<{ service: string; detail: string } | null> {
    view.phase = 'waiting';
    const deadline = Date.now() + input.deadlineSeconds * 1000;
    for (;;) {
      const own = await projectContainers();
      view.services = services.map((service) => {
        const containers = own.filter((c) => c.labels[SERVICE_LABEL] === service);
        if (containers.length === 0) return { service, ok: false, detail: 'no container' };
        const verdicts = containers.map((c) => readiness(c));
        const bad = verdicts.find((v) => !v.ok);
        return { service, ok: bad === undefined, detail: (bad ?? verdicts[0]!).detail };
      });
      const failed = view.services.find(
        (s) => !s.ok && own.some((c) => c.labels[SERVICE_LABEL] === s.service && readiness(c).final),
      );
      if (failed) return { service: failed.service, detail: failed.detail ?? 'not ready' };
      if (view.services.every((s) => s.ok)) return null;
      if (Date.now() >= deadline) {
        const late = view.services.find((s) => !s.ok)!;
        return {
          service: late.service,
          detail: `not ready after ${input.deadlineSeconds} s: ${late.detail ?? 'unknown'}`,
        };
      }
      await sleep(POLL_MS);
    }
  }

  async function serviceLogs(location: StackLocation, service: string): Promise<string> {
    const op = await step(composeCommand(location, ['logs', '--no-color', '--tail', String(LOG_LINES), service]));
    return `${op.result?.stdout ?? ''}${op.result?.stderr ?? ''}`.trim().slice(-8000);
  }
}

function lastLine(text: string | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] || 'no error output';
}

/** What `show` needs from the device itself: the file, env file keys, and registry digests of image ids. */
export async function stackReadWorkflow(input: {
  hostname: string;
  location: StackLocation;
  imageIds: string[];
}): Promise<{
  content: string | null;
  envFiles: Array<{ path: string; keys: string[] }>;
  digests: Record<string, string[]>;
}> {
  const files = await readStackFiles({ hostname: input.hostname, location: input.location });
  const digests =
    input.imageIds.length > 0 ? await imageDigests({ hostname: input.hostname, imageIds: input.imageIds }) : {};
  return { content: files.content, envFiles: files.envFiles, digests };
}
