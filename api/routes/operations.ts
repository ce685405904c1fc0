import { ConfirmBody, ExecRequest, OperationId, OperationListQuery } from '../../schema/command-request.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { errorBodyOf } from '../../services/service-error.ts';
import {
  arrayOf,
  CommandDone,
  heldOrConflict,
  named,
  OperationViewComponent,
  StoredOperationViewComponent,
  wrapped,
} from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const pathId = { id: OperationId };

/** Commands (`POST /api/devices/{hostname}/exec`) and the operations they become: the inbox of held ones, confirm, cancel. */
export const operationRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/exec',
    operationId: 'exec',
    summary: 'Run a command: safe ones at once, destructive ones held for a confirmation phrase',
    tag: 'operations',
    params: pathHostname,
    body: ExecRequest,
    answers: { '200': named('the command ran', CommandDone), '409': heldOrConflict() },
    handler: async ({ params, body, req, res, deps }) => {
      const view = await deps.operations.exec(params.hostname, body.command, requestContext(req));
      const answer = execAnswer(view, deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/operations',
    operationId: 'listOperations',
    summary: 'Operations newest first: ?state=awaiting_confirmation is the inbox of held ones (no phrases here)',
    tag: 'operations',
    query: OperationListQuery,
    answers: { '200': wrapped('the operations', 'operations', arrayOf(StoredOperationViewComponent)) },
    handler: async ({ query: q, res, deps }) => {
      res.json({ operations: await deps.operations.list({ state: q.state, hostname: q.device, limit: q.limit }) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/operations/{id}',
    operationId: 'getOperation',
    summary: 'One operation',
    tag: 'operations',
    params: pathId,
    answers: { '200': named('the operation', StoredOperationViewComponent) },
    handler: async ({ params, req, res, deps }) => {
      res.json(await deps.operations.get(params.id, requestContext(req).principal));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/operations/{id}/confirm',
    operationId: 'confirmOperation',
    summary: 'Release a held command with its phrase (3 tries; 422 wrong phrase, 410 expired)',
    tag: 'operations',
    params: pathId,
    body: ConfirmBody,
    answers: { '200': named('confirmed; the command ran', CommandDone) },
    handler: async ({ params, body, req, res, deps }) => {
      const outcome = await deps.operations.confirm(params.id, body.phrase, requestContext(req));
      if (!outcome.accepted) {
        const code = outcome.attempts_left > 0 ? 'wrong_phrase' : 'operation_rejected';
        res.status(outcome.attempts_left > 0 ? 422 : 409).json(
          errorBodyOf(code, outcome.message, {
            attempts_left: outcome.attempts_left,
            state: outcome.operation.state,
          }),
        );
        return;
      }
      const answer = execAnswer(outcome.operation, deps.publicUrl);
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/operations/{id}/cancel',
    operationId: 'cancelOperation',
    summary: 'Cancel a held command',
    tag: 'operations',
    params: pathId,
    answers: { '200': named('cancelled', OperationViewComponent) },
    handler: async ({ params, req, res, deps }) => {
      res.json(await deps.operations.cancel(params.id, requestContext(req)));
    },
  }),
];
