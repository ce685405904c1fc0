import { Router } from 'express';
import { ConfirmBody, ExecRequest, OperationId, OperationListQuery } from '../../schema/command-request.ts';
import { Hostname } from '../../schema/device.ts';
import { execAnswer } from '../../services/operation-answers.ts';
import { errorBodyOf } from '../../services/service-error.ts';
import type { OperationService } from '../../services/operation-service.ts';
import { requestContext } from '../request-context.ts';

export function operationRoutes(operations: OperationService, publicUrl: string | null): Router {
  const r = Router();
  r.post('/devices/:hostname/exec', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const { command } = ExecRequest.parse(req.body ?? {});
    const view = await operations.exec(hostname, command, requestContext(req));
    const answer = execAnswer(view, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });
  r.get('/operations', async (req, res) => {
    const q = OperationListQuery.parse(req.query);
    res.json({ operations: await operations.list({ state: q.state, hostname: q.device, limit: q.limit }) });
  });
  r.get('/operations/:id', async (req, res) => {
    res.json(await operations.get(OperationId.parse(req.params.id), requestContext(req).principal));
  });
  r.post('/operations/:id/confirm', async (req, res) => {
    const id = OperationId.parse(req.params.id);
    const { phrase } = ConfirmBody.parse(req.body ?? {});
    const outcome = await operations.confirm(id, phrase, requestContext(req));
    if (!outcome.accepted) {
      const code = outcome.attempts_left > 0 ? 'wrong_phrase' : 'operation_rejected';
      res.status(outcome.attempts_left > 0 ? 422 : 409).json(errorBodyOf(code, outcome.message, { attempts_left: outcome.attempts_left, state: outcome.operation.state }));
      return;
    }
    const answer = execAnswer(outcome.operation, publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });
  r.post('/operations/:id/cancel', async (req, res) => {
    res.json(await operations.cancel(OperationId.parse(req.params.id), requestContext(req)));
  });
  return r;
}
