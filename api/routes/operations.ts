import { Router } from 'express';
import { ConfirmBody, ExecRequest, OperationId } from '../../schema/command-request.ts';
import { Hostname } from '../../schema/device.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { errorBodyOf } from '../../services/service-error.ts';
import type { OperationService } from '../../services/operation-service.ts';
import { actor, requestContext } from '../request-context.ts';

export function operationRoutes(operations: OperationService): Router {
  const r = Router();
  r.post('/devices/:hostname/exec', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const { command } = ExecRequest.parse(req.body ?? {});
    const ctx = requestContext(req);
    const view = await operations.exec(hostname, command, actor(req, ctx.trigger), ctx);
    const answer = execAnswer(view, `POST /api/operations/${view.operation_id}/confirm {"phrase": "<the phrase, typed by a human>"}`);
    res.status(answer.httpStatus).json(answer.body);
  });
  r.get('/operations/:id', async (req, res) => {
    res.json(await operations.get(OperationId.parse(req.params.id)));
  });
  r.post('/operations/:id/confirm', async (req, res) => {
    const id = OperationId.parse(req.params.id);
    const { phrase } = ConfirmBody.parse(req.body ?? {});
    const outcome = await operations.confirm(id, phrase, actor(req, requestContext(req).trigger));
    if (!outcome.accepted) {
      const code = outcome.attempts_left > 0 ? 'wrong_phrase' : 'operation_rejected';
      res.status(outcome.attempts_left > 0 ? 422 : 409).json(errorBodyOf(code, outcome.message, { attempts_left: outcome.attempts_left, state: outcome.operation.state }));
      return;
    }
    const answer = execAnswer(outcome.operation, '');
    res.status(answer.httpStatus).json(answer.body);
  });
  r.post('/operations/:id/cancel', async (req, res) => {
    const id = OperationId.parse(req.params.id);
    res.json(await operations.cancel(id, actor(req, requestContext(req).trigger)));
  });
  return r;
}
