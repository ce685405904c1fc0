import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerInfo, ContainersData } from '../domain/collectors/containers.ts';
import { redactSecrets } from '../domain/config/secret-redaction.ts';
import { DEFAULT_STACKS_DIR } from '../activities/stacks/stack-activities.ts';
import { readStackFile } from '../domain/compose/stack-file.ts';
import {
  CONFIG_FILES_LABEL,
  IMAGE_LABEL,
  locationFromLabels,
  newStackLocation,
  PROJECT_LABEL,
  SERVICE_LABEL,
  StackFileError,
  WORKING_DIR_LABEL,
  type StackLocation,
} from '../domain/compose/stack-commands.ts';
import type { OperationView } from '../schema/operation.ts';
import type {
  StackAction,
  StackDeployRequest,
  StackDetail,
  StackOperationInput,
  StackOperationView,
  StackSummary,
  StackUpdateRequest,
} from '../schema/stack.ts';
import {
  stackOperationQuery,
  type stackOperationWorkflow,
  type stackReadWorkflow,
} from '../workflows/stack-operation.ts';
import type { CollectionService } from './collection-service.ts';
import type { ConfigHistoryService } from './config-history-service.ts';
import { requesterOf, type DeviceService, type RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { execAnswer } from './operation-answers.ts';
import { errorBodyOf, ServiceError } from './service-error.ts';

export interface StackOutcome {
  stack: StackOperationView;
  /** Set when a step waits for a person's confirmation; the workflow goes on once confirmed. */
  held_operation: OperationView | null;
}

const HELD_CHECK_MS = 250;
const DEFAULT_DEADLINE_SECONDS = 120;

/** Compose stacks of a device: listed from container labels and the config history, changed by one workflow each. */
export class StackService {
  constructor(
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly collection: CollectionService,
    private readonly configHistory: ConfigHistoryService,
    private readonly operations: OperationService,
    private readonly instance: string,
  ) {}

  async list(
    hostname: string,
    opts: { forceRefresh: boolean },
    ctx: RequestContext,
  ): Promise<{ device: string; stacks: StackSummary[] }> {
    await this.devices.require(hostname);
    const containers = ((await this.collection.read(hostname, 'containers', opts, ctx)).data as ContainersData)
      .containers;
    const files = (await this.configHistory.current(hostname, 'compose')).files;
    const stacks = new Map<string, StackSummary>();
    for (const c of containers) {
      const project = c.labels[PROJECT_LABEL];
      if (!project) continue;
      const stack = stacks.get(project) ?? {
        name: project,
        source: 'containers' as const,
        working_dir: c.labels[WORKING_DIR_LABEL] ?? null,
        config_files: (c.labels[CONFIG_FILES_LABEL] ?? '').split(',').filter((f) => f !== ''),
        state: 'running' as const,
        services: [],
      };
      addContainer(stack, c);
      stacks.set(project, stack);
    }
    for (const file of files) {
      const owner = [...stacks.values()].find((s) => s.config_files.includes(file.path));
      if (owner) {
        owner.source = 'containers_and_files';
        continue;
      }
      const dir = file.path.slice(0, file.path.lastIndexOf('/'));
      const parsed = file.parsed as {
        services?: Array<{ name: string; image: string | null; ports: Array<{ spec: string }> }>;
        project_name?: string | null;
      } | null;
      const name = parsed?.project_name ?? dir.slice(dir.lastIndexOf('/') + 1);
      if (stacks.has(name)) continue;
      stacks.set(name, {
        name,
        source: 'files',
        working_dir: dir,
        config_files: [file.path],
        state: 'not_deployed',
        services: (parsed?.services ?? []).map((s) => ({
          name: s.name,
          image: s.image,
          image_id: null,
          containers: [],
          ports: s.ports.map((p) => p.spec),
        })),
      });
    }
    for (const stack of stacks.values()) stack.state = stateOf(stack);
    return { device: hostname, stacks: [...stacks.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async get(hostname: string, name: string, ctx: RequestContext): Promise<StackDetail> {
    const device = await this.devices.require(hostname);
    const summary = (await this.list(hostname, { forceRefresh: false }, ctx)).stacks.find((s) => s.name === name);
    if (!summary) throw new ServiceError('not_found', 404, `no stack ${name} on ${hostname}`);
    const location = this.locationOf(summary, device.stacks_dir);
    const imageIds = [...new Set(summary.services.map((s) => s.image_id).filter((id): id is string => id !== null))];
    const read = await this.client.workflow.execute<typeof stackReadWorkflow>('stackReadWorkflow', {
      workflowId: `${this.instance}-stack-read-${hostname}-${name}-${Date.now()}`,
      taskQueue: this.instance,
      args: [{ hostname, location, imageIds }],
      ...requestedWorkflowTags(hostname, ctx),
    });
    const history = (await this.configHistory.current(hostname, 'compose')).files.find(
      (f) => f.path === location.files[0],
    );
    const content = history?.content ?? (read.content === null ? null : redactSecrets(read.content).text);
    return {
      ...summary,
      file: { path: location.files[0]!, content, parsed: history?.parsed ?? null },
      env_files: read.envFiles,
      digests: read.digests,
    };
  }

  deploy(hostname: string, request: StackDeployRequest, ctx: RequestContext): Promise<StackOutcome> {
    // A file that can never be deployed is refused here, before a workflow starts; the device checks it again.
    guarded(() => readStackFile(request.compose));
    return this.run(
      hostname,
      'deploy',
      request.name,
      { compose: request.compose, deadlineSeconds: request.deadline_seconds },
      ctx,
    );
  }

  update(hostname: string, name: string, request: StackUpdateRequest, ctx: RequestContext): Promise<StackOutcome> {
    if (request.compose !== undefined) guarded(() => readStackFile(request.compose!));
    return this.run(
      hostname,
      'update',
      name,
      {
        ...(request.compose !== undefined && { compose: request.compose }),
        ...(request.patch !== undefined && { patch: request.patch }),
        deadlineSeconds: request.deadline_seconds,
      },
      ctx,
    );
  }

  act(
    hostname: string,
    name: string,
    action: Exclude<StackAction, 'deploy' | 'update'>,
    opts: { volumes?: boolean; deadlineSeconds?: number },
    ctx: RequestContext,
  ): Promise<StackOutcome> {
    return this.run(hostname, action, name, opts, ctx);
  }

  private locationOf(summary: StackSummary, stacksDir: string | null): StackLocation {
    if (summary.working_dir && summary.config_files.length > 0) {
      return guarded(() =>
        locationFromLabels(summary.name, {
          [WORKING_DIR_LABEL]: summary.working_dir!,
          [CONFIG_FILES_LABEL]: summary.config_files.join(','),
        })!,
      );
    }
    return guarded(() => newStackLocation(stacksDir ?? DEFAULT_STACKS_DIR, summary.name));
  }

  private async run(
    hostname: string,
    action: StackAction,
    name: string,
    opts: Pick<StackOperationInput, 'compose' | 'patch' | 'volumes'> & { deadlineSeconds?: number | undefined },
    ctx: RequestContext,
  ): Promise<StackOutcome> {
    const device = await this.devices.require(hostname);
    const stacksDir = device.stacks_dir ?? DEFAULT_STACKS_DIR;
    guarded(() => newStackLocation(stacksDir, name));
    const input: StackOperationInput = {
      action,
      hostname,
      name,
      stacksDir,
      ...(opts.compose !== undefined && { compose: opts.compose }),
      ...(opts.patch !== undefined && { patch: opts.patch }),
      ...(opts.volumes !== undefined && { volumes: opts.volumes }),
      deadlineSeconds: opts.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS,
      requestedBy: requesterOf(ctx),
      trigger: ctx.trigger,
      correlationId: ctx.correlationId,
      operationSettings: this.operations.settings,
      operationWorkflowPrefix: this.operations.workflowPrefix,
    };
    let handle;
    try {
      // One change of a stack at a time: a second request while one runs is refused, not interleaved.
      handle = await this.client.workflow.start<typeof stackOperationWorkflow>('stackOperationWorkflow', {
        workflowId: `${this.instance}-stack-${hostname}-${name}`,
        taskQueue: this.instance,
        args: [input],
        ...requestedWorkflowTags(hostname, ctx),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new ServiceError(
          'stack_operation_in_progress',
          409,
          `another operation on stack ${name} of ${hostname} is under way`,
        );
      throw err;
    }
    const result = handle.result();
    void result.catch(() => undefined);
    for (;;) {
      const finished = await Promise.race([result, delay(HELD_CHECK_MS).then(() => null)]);
      if (finished) return { stack: checked(finished), held_operation: null };
      const view = await handle.query(stackOperationQuery);
      if (view.pending_operation_id === null) continue;
      const operation = await this.operations.get(view.pending_operation_id, ctx.principal).catch(() => null);
      if (operation?.state === 'awaiting_confirmation') return { stack: view, held_operation: operation };
    }
  }
}

function addContainer(stack: StackSummary, c: ContainerInfo): void {
  const serviceName = c.labels[SERVICE_LABEL] ?? c.name;
  let service = stack.services.find((s) => s.name === serviceName);
  if (!service) {
    service = { name: serviceName, image: c.image, image_id: c.labels[IMAGE_LABEL] ?? null, containers: [], ports: [] };
    stack.services.push(service);
  }
  service.containers.push({ name: c.name, state: c.state, health: c.health, status: c.status });
  for (const p of c.ports) {
    if (p.host_port === undefined) continue;
    const label = `${p.host_ip ?? ''}${p.host_ip ? ':' : ''}${p.host_port}->${p.container_port}/${p.protocol}`;
    if (!service.ports.includes(label)) service.ports.push(label);
  }
}

function stateOf(stack: StackSummary): StackSummary['state'] {
  const containers = stack.services.flatMap((s) => s.containers);
  if (containers.length === 0) return 'not_deployed';
  const running = containers.filter((c) => c.state === 'running').length;
  return running === containers.length ? 'running' : running === 0 ? 'stopped' : 'partial';
}

/** A name or path that may not reach the device is the caller's mistake: 400, nothing started. */
function guarded<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof StackFileError) throw new ServiceError(err.code, 400, err.message);
    throw err;
  }
}

/** A refused request (bad file, taken port, unknown stack) is the caller's mistake, not a failed operation. */
function checked(view: StackOperationView): StackOperationView {
  const code = view.error?.code;
  if (view.phase !== 'refused' || !code) return view;
  const status =
    code === 'not_found'
      ? 404
      : code === 'stack_exists' ||
          code === 'port_conflict' ||
          code === 'missing_network' ||
          code === 'stack_file_missing'
        ? 409
        : 400;
  throw new ServiceError(code, status, view.error!.message, { stack: view });
}

/** Both fronts answer the same way: 409 while a step is held, 502 when the change failed (or was undone), else the view. */
export function stackAnswer(
  outcome: StackOutcome,
  publicUrl: string | null,
): { httpStatus: number; body: Record<string, unknown> } {
  const { stack, held_operation } = outcome;
  if (held_operation) {
    const held = execAnswer(held_operation, publicUrl);
    return { httpStatus: held.httpStatus, body: { ...held.body, stack } };
  }
  if (stack.phase === 'failed' || stack.phase === 'reverted') {
    const error = stack.error ?? { code: `${stack.action}_failed`, message: `${stack.action} failed` };
    return { httpStatus: 502, body: errorBodyOf(error.code, error.message, { stack }) };
  }
  return { httpStatus: 200, body: { stack } };
}
