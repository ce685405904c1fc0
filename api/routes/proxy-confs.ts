import { Router } from 'express';
import { Hostname } from '../../schema/device.ts';
import { ProxyConfFileName, ProxyConfQuery, ProxyConfRequest } from '../../schema/proxy-conf.ts';
import { proxyConfAnswer, type ProxyConfService } from '../../services/proxy-conf-service.ts';
import { requestContext } from '../request-context.ts';

/** Reverse-proxy confs under `/api/devices/{hostname}/proxy-confs`: list, create or replace (held), remove (held). */
export function proxyConfRoutes(confs: ProxyConfService, publicUrl: string | null): Router {
  const r = Router();

  r.get('/:hostname/proxy-confs', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const location = ProxyConfQuery.parse(req.query);
    res.json(await confs.list(hostname, location, requestContext(req)));
  });

  r.post('/:hostname/proxy-confs', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const request = ProxyConfRequest.parse(req.body ?? {});
    const answer = proxyConfAnswer(await confs.create(hostname, request, requestContext(req)), publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });

  r.delete('/:hostname/proxy-confs/:file', async (req, res) => {
    const hostname = Hostname.parse(req.params.hostname);
    const file = ProxyConfFileName.parse(req.params.file);
    const location = ProxyConfQuery.parse(req.query);
    const answer = proxyConfAnswer(await confs.remove(hostname, file, location, requestContext(req)), publicUrl);
    res.status(answer.httpStatus).json(answer.body);
  });
  return r;
}
