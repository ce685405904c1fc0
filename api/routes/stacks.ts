import { z } from 'zod';
import {
  StackDeployRequest,
  StackName,
  StackRemoveRequest,
  StackUpdateRequest,
  StackDetail,
  StackOperationView,
  StackSummary,
} from '../../schema/stack.ts';
import { stackAnswer } from '../../services/stack-service.ts';
import { accepts, answers, component, ErrorComponent, heldOrConflict, json, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const StackListQuery = z
  .object({
    force_refresh: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .default(false),
  })
  .strict();
/** The actions on an existing stack that take no file: `update` has its own body, `remove` may ask for volumes. */
const STACK_PATH_ACTIONS = ['pull', 'restart', 'down', 'remove'] as const;
const DeadlineBody = z.object({ deadline_seconds: z.number().int().min(5).max(1800).optional() }).strict();

const StackView = component('StackView', StackOperationView);
component('StackSummary', StackSummary);
const StackDetailComponent = component('StackDetail', StackDetail);

const pathStack = { ...pathHostname, name: StackName };
/** A stack change answers its view; 502 when it failed or was undone (the view in `details.stack`). */
const stackAnswers = (done: string) => ({
  '200': wrapped(done, 'stack', StackView),
  '409': heldOrConflict({ key: 'stack', view: StackView }),
  '502': json(
    "the change failed (a deploy removed again, an update reverted to the previous file and digests): why, with the failing service's logs",
    ErrorComponent,
  ),
});

/** Compose stacks under `/api/devices/{hostname}/stacks`: list, show, deploy, update, pull, restart, down, remove. */
export const stackRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/stacks',
    operationId: 'listStacks',
    summary: 'Compose stacks from container labels and watched compose files, with services, images, state and ports',
    tag: 'stacks',
    params: pathHostname,
    query: StackListQuery,
    answers: {
      '200': json('the stacks', answers(z.object({ device: z.string(), stacks: z.array(StackSummary) }))),
    },
    handler: async ({ params, query, req, res, deps }) => {
      res.json(await deps.stacks.list(params.hostname, { forceRefresh: query.force_refresh }, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/stacks/{name}',
    operationId: 'getStack',
    summary:
      'One stack: its compose file (secrets redacted) and parsed form, env file keys (never values), image digests',
    tag: 'stacks',
    params: pathStack,
    answers: { '200': wrapped('the stack', 'stack', StackDetailComponent) },
    handler: async ({ params, req, res, deps }) => {
      res.json({ stack: await deps.stacks.get(params.hostname, params.name, requestContext(req)) });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/stacks',
    operationId: 'deployStack',
    summary:
      'Deploy a new stack (refused before any write on a taken port, an unsafe file or one compose rejects; removed again when it does not come up)',
    tag: 'stacks',
    params: pathHostname,
    body: StackDeployRequest,
    answers: { ...stackAnswers('deployed and running'), '201': wrapped('deployed and running', 'stack', StackView) },
    handler: async ({ params, body, req, res, deps }) => {
      const answer = stackAnswer(await deps.stacks.deploy(params.hostname, body, requestContext(req)), deps.publicUrl);
      res.status(answer.httpStatus === 200 ? 201 : answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/devices/{hostname}/stacks/{name}',
    operationId: 'updateStack',
    summary:
      'Change a stack (whole file or per-service patch); HIGH-impact changes are held; reverted to the previous file and digests when it does not come up',
    tag: 'stacks',
    params: pathStack,
    body: StackUpdateRequest,
    answers: stackAnswers('updated and running (or no change)'),
    handler: async ({ params, body, req, res, deps }) => {
      const answer = stackAnswer(
        await deps.stacks.update(params.hostname, params.name, body, requestContext(req)),
        deps.publicUrl,
      );
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/stacks/{name}/{action}',
    operationId: 'stackAction',
    summary:
      'pull (newest images, digests before/after), restart, down (held) or remove (held; volumes only when asked, held as HIGH)',
    tag: 'stacks',
    params: { ...pathStack, action: z.enum(STACK_PATH_ACTIONS) },
    // What the body may hold depends on the action: the handler checks it against the action's own schema.
    body: z.unknown(),
    documentedBody: accepts(
      z.object({
        deadline_seconds: z.int().min(5).max(1800).optional(),
        volumes: StackRemoveRequest.shape.volumes.optional(),
      }),
    ),
    bodyRequired: false,
    answers: stackAnswers('done'),
    handler: async ({ params: { hostname, name, action }, body, req, res, deps }) => {
      const options = action === 'remove' ? StackRemoveRequest.parse(body) : DeadlineBody.parse(body);
      const answer = stackAnswer(
        await deps.stacks.act(
          hostname,
          name,
          action,
          {
            ...('volumes' in options && { volumes: options.volumes }),
            ...('deadline_seconds' in options &&
              options.deadline_seconds !== undefined && { deadlineSeconds: options.deadline_seconds }),
          },
          requestContext(req),
        ),
        deps.publicUrl,
      );
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
];
