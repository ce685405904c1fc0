import { Router } from 'express';
import { z } from 'zod';
import { Hostname } from '../../schema/device.ts';
import { StackDeployRequest, StackName, StackRemoveRequest, StackUpdateRequest } from '../../schema/stack.ts';
import { stackAnswer, type StackService } from '../../services/stack-service.ts';
import { requestContext } from '../request-context.ts';

export const StackListQuery = z.object({ force_refresh: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(false) }).strict();
/** The actions on an existing stack that take no file: `update` has its own body, `remove` may ask for volumes. */
export const STACK_PATH_ACTIONS = ['pull', 'restart', 'down', 'remove'] as const;
const StackPathAction = z.enum(STACK_PATH_ACTIONS);
const DeadlineBody = z.object({ deadline_seconds: z.number().int().min(5).max(1800).optional() }).strict();

/** Compose stacks under `/api/devices/{hostname}/stacks`: list, show, deploy, update, pull, restart, down, remove. */
export function stackRoutes(stacks: StackService, publicUrl: string | null): Router {
  const r = Router();

  r.get('/devices/:hostname/stacks', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const { force_refresh } = StackListQuery.parse(req.query);
    res.json(await stacks.list(hostname, { forceRefresh: force_refresh }, requestContext(req)));
  });

  r.get('/devices/:hostname/stacks/:name', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const name = StackName.parse(req.params.name);
    res.json({ stack: await stacks.get(hostname, name, requestContext(req)) });
  });

  r.post('/devices/:hostname/stacks', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = StackDeployRequest.parse(req.body ?? {});
    const answer = stackAnswer(await stacks.deploy(hostname, request, requestContext(req)), publicUrl);
    res.status(answer.httpStatus === 200 ? 201 : answer.httpStatus).json(answer.body);
  });

  r.patch('/devices/:hostname/stacks/:name', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const name = StackName.parse(req.params.name);
    const request = StackUpdateRequest.parse(req.body ?? {});
    const answer = stackAnswer(await stacks.update(hostname, name, request, requestContext(req)), publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });

  r.post('/devices/:hostname/stacks/:name/:action', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const name = StackName.parse(req.params.name);
    const action = StackPathAction.parse(req.params.action);
    const body = req.body ?? {};
    const options = action === 'remove' ? StackRemoveRequest.parse(body) : DeadlineBody.parse(body);
    const answer = stackAnswer(
      await stacks.act(hostname, name, action, { ...('volumes' in options && { volumes: options.volumes }), ...('deadline_seconds' in options && options.deadline_seconds !== undefined && { deadlineSeconds: options.deadline_seconds }) }, requestContext(req)),
      publicUrl,
    );
    res.status(answer.httpStatus).json(answer.body);
  });
  return r;
}
