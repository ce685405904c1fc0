import { createHash, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainersData } from '../domain/collectors/containers.ts';
import { compareInsights } from '../domain/insights/insight.ts';
import { renderProxyConf } from '../domain/proxy/proxy-conf-template.ts';
import { brokenUpstreamInsights, proxyConfEntry } from '../domain/proxy/proxy-upstreams.ts';
import type { OperationView } from '../schema/operation.ts';
import type {
  ProxyConfInput,
  ProxyConfList,
  ProxyConfLocation,
  ProxyConfRequest,
  ProxyConfView,
} from '../schema/proxy-conf.ts';
import { proxyConfQuery, type proxyConfListWorkflow, type proxyConfWorkflow } from '../workflows/proxy-conf.ts';
import type { CollectionService } from './collection-service.ts';
import { requesterOf, type DeviceService, type RequestContext } from './device-service.ts';
import type { OperationService } from './operation-service.ts';
import { requestedWorkflowTags } from './requested-workflow.ts';
import { execAnswer } from './operation-answers.ts';
import { errorBodyOf, ServiceError } from './service-error.ts';

export interface ProxyConfOutcome {
  proxy_conf: ProxyConfView;
  /** Set when replacing or removing is held for a person's phrase; the workflow goes on once released. */
  held_operation: OperationView | null;
}

/** How often the answer looks whether the change is held while waiting for it to finish. */
const HELD_CHECK_MS = 250;

/** Reverse-proxy confs (SWAG / nginx) on a device: listed live, changed by one workflow per request. */
export class ProxyConfService {
  constructor(
    private readonly client: Client,
    private readonly devices: DeviceService,
    private readonly collection: CollectionService,
    private readonly operations: OperationService,
    private readonly instance: string,
  ) {}

  /** Renders, writes, validates, reloads and checks a conf; replacing an existing one is held. */
  async create(hostname: string, request: ProxyConfRequest, ctx: RequestContext): Promise<ProxyConfOutcome> {
    await this.devices.require(hostname);
    const rendered = renderProxyConf(request);
    const url = new URL(request.check_url);
    return this.run(hostname, ctx, {
      action: 'create',
      file: rendered.file,
      content: rendered.content,
      contentSha256: createHash('sha256').update(rendered.content, 'utf8').digest('hex'),
      location: { conf_dir: request.conf_dir, proxy: request.proxy },
      check: { url: `${url.origin}${rendered.check.path}`, host: rendered.check.host ?? url.host },
    });
  }

  /** Removes a conf (held for a person's phrase), validates and reloads; puts it back if nginx objects. */
  async remove(
    hostname: string,
    file: string,
    location: ProxyConfLocation,
    ctx: RequestContext,
  ): Promise<ProxyConfOutcome> {
    await this.devices.require(hostname);
    return this.run(hostname, ctx, {
      action: 'remove',
      file,
      content: null,
      contentSha256: null,
      location,
      check: null,
    });
  }

  /** The confs of the device's proxy with their upstreams, each looked up among the device's containers. */
  async list(hostname: string, location: ProxyConfLocation, ctx: RequestContext): Promise<ProxyConfList> {
    await this.devices.require(hostname);
    const workflowId = `${this.instance}-proxy-confs-${hostname}-${randomUUID()}`;
    const read = await this.client.workflow
      .execute<typeof proxyConfListWorkflow>('proxyConfListWorkflow', {
        workflowId,
        taskQueue: this.instance,
        args: [{ hostname, location }],
        ...requestedWorkflowTags(hostname, ctx),
      })
      .catch((err: unknown) => {
        throw failureOf(err);
      });
    const containers = await this.collection.read(hostname, 'containers', { forceRefresh: false }, ctx);
    const running = (containers.data as ContainersData | null)?.containers ?? [];
    const confs = read.files.map((f) =>
      f.content === null
        ? {
            file: f.path.split('/').at(-1)!,
            path: f.path,
            kind: 'other' as const,
            server_names: [],
            locations: [],
            auth: [],
            upstreams: [],
            parse_error: 'too large to read',
          }
        : proxyConfEntry(f.path, f.content, running),
    );
    return {
      device: hostname,
      proxy: read.proxy,
      confs,
      insights: brokenUpstreamInsights(confs).sort(compareInsights),
      containers_collected_at: containers.collected_at,
      workflow_id: workflowId,
    };
  }

  private async run(
    hostname: string,
    ctx: RequestContext,
    change: Pick<ProxyConfInput, 'action' | 'file' | 'content' | 'contentSha256' | 'location' | 'check'>,
  ): Promise<ProxyConfOutcome> {
    const input: ProxyConfInput = {
      hostname,
      ...change,
      requestedBy: requesterOf(ctx),
      trigger: ctx.trigger,
      correlationId: ctx.correlationId,
      operationSettings: this.operations.settings,
      operationWorkflowPrefix: this.operations.workflowPrefix,
    };
    let handle;
    try {
      handle = await this.client.workflow.start<typeof proxyConfWorkflow>('proxyConfWorkflow', {
        // One change of a conf at a time: a second one would interleave its write with the first's revert.
        workflowId: `${this.instance}-proxy-conf-${hostname}-${change.file}`,
        taskQueue: this.instance,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        ...requestedWorkflowTags(hostname, ctx),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw new ServiceError(
          'proxy_conf_in_progress',
          409,
          `a change of ${change.file} on ${hostname} is already under way`,
        );
      throw err;
    }
    const result = handle.result();
    // Answered as soon as the change is held; the run goes on without this caller.
    void result.catch(() => undefined);
    for (;;) {
      const finished = await Promise.race([result, delay(HELD_CHECK_MS).then(() => null)]);
      if (finished) return { proxy_conf: checked(finished), held_operation: null };
      const view = await handle.query(proxyConfQuery);
      if (view.operation_id === null || view.phase !== 'awaiting_confirmation') continue;
      const operation = await this.operations.get(view.operation_id, ctx.principal).catch(() => null);
      if (operation?.state === 'awaiting_confirmation') return { proxy_conf: view, held_operation: operation };
    }
  }
}

/** Mistakes of the caller (no such conf, no proxy found, a bad conf dir) are not failed changes. */
function checked(view: ProxyConfView): ProxyConfView {
  const code = view.error?.code;
  if (code === 'not_found') throw new ServiceError('not_found', 404, view.error!.message);
  if (code === 'proxy_not_found' || code === 'validation_error') throw new ServiceError(code, 409, view.error!.message);
  return view;
}

function failureOf(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const activity = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  const type = activity instanceof ApplicationFailure ? activity.type : null;
  const message = activity instanceof Error ? activity.message : err.message;
  if (type === 'proxy_not_found') return new ServiceError('proxy_not_found', 409, message);
  if (type === 'device_not_found') return new ServiceError('not_found', 404, message);
  return new ServiceError(type ?? 'proxy_read_failed', 502, message);
}

/** Both fronts answer the same way: 409 while held, the view when done, an error (with the view) when it failed or was undone. */
export function proxyConfAnswer(
  outcome: ProxyConfOutcome,
  publicUrl: string | null,
): { httpStatus: number; body: Record<string, unknown> } {
  const { proxy_conf, held_operation } = outcome;
  if (held_operation) {
    const held = execAnswer(held_operation, publicUrl);
    return { httpStatus: held.httpStatus, body: { ...held.body, proxy_conf } };
  }
  if (proxy_conf.phase === 'completed') return { httpStatus: 200, body: { proxy_conf } };
  const error = proxy_conf.error ?? {
    code: `proxy_conf_${proxy_conf.phase}`,
    message: `the change ended ${proxy_conf.phase}`,
  };
  return {
    httpStatus: proxy_conf.phase === 'abandoned' ? 409 : 502,
    body: errorBodyOf(error.code, error.message, { proxy_conf }),
  };
}
