import {
  ProxyConfFileName,
  ProxyConfList,
  ProxyConfQuery,
  ProxyConfRequest,
  ProxyConfView,
} from '../../schema/proxy-conf.ts';
import { proxyConfAnswer } from '../../services/proxy-conf-service.ts';
import { answers, component, ErrorComponent, heldOrConflict, json, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute, pathHostname } from '../route.ts';

const ProxyConfViewComponent = component('ProxyConfView', ProxyConfView);

/** Reverse-proxy confs under `/api/devices/{hostname}/proxy-confs`: list, create or replace (held), remove (held). */
export const proxyConfRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/devices/{hostname}/proxy-confs',
    operationId: 'listProxyConfs',
    summary:
      'Reverse-proxy confs read live from the device, with their upstreams and whether each upstream container runs',
    tag: 'proxy',
    params: pathHostname,
    query: ProxyConfQuery,
    answers: {
      '200': json(
        'the confs, and a proxy_upstream_broken insight per missing or stopped upstream container',
        answers(ProxyConfList),
      ),
      '409': json('no proxy found on the device', ErrorComponent),
    },
    handler: async ({ params, query, req, res, deps }) => {
      res.json(await deps.proxyConfs.list(params.hostname, query, requestContext(req)));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/devices/{hostname}/proxy-confs',
    operationId: 'createProxyConf',
    summary:
      'Generate and apply a SWAG subdomain/subfolder conf: validated (nginx -t), reloaded, checked, undone on failure; replacing is held',
    tag: 'proxy',
    params: pathHostname,
    body: ProxyConfRequest,
    answers: {
      '200': wrapped('applied (or already so)', 'proxy_conf', ProxyConfViewComponent),
      '409': heldOrConflict({ key: 'proxy_conf', view: ProxyConfViewComponent }),
      '502': json(
        'failed, or undone after nginx -t, the reload or the check failed (the view says why)',
        ErrorComponent,
      ),
    },
    handler: async ({ params, body, req, res, deps }) => {
      const answer = proxyConfAnswer(
        await deps.proxyConfs.create(params.hostname, body, requestContext(req)),
        deps.publicUrl,
      );
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/devices/{hostname}/proxy-confs/{file}',
    operationId: 'removeProxyConf',
    summary: "Remove a conf (held for a person's phrase), then nginx -t and reload; put back if nginx refuses",
    tag: 'proxy',
    params: { ...pathHostname, file: ProxyConfFileName },
    query: ProxyConfQuery,
    answers: {
      '200': wrapped('removed', 'proxy_conf', ProxyConfViewComponent),
      '404': json('no such conf', ErrorComponent),
      '409': heldOrConflict({ key: 'proxy_conf', view: ProxyConfViewComponent }),
      '502': json('failed, or put back after nginx refused', ErrorComponent),
    },
    handler: async ({ params, query, req, res, deps }) => {
      const answer = proxyConfAnswer(
        await deps.proxyConfs.remove(params.hostname, params.file, query, requestContext(req)),
        deps.publicUrl,
      );
      res.status(answer.httpStatus).json(answer.body);
    },
  }),
];
