import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DevicePath } from '../../schema/config-request.ts';
import { ContainerName } from '../../schema/container-action.ts';
import { Hostname } from '../../schema/device.ts';
import {
  ProxyConfFileName,
  ProxyConfList,
  ProxyConfQuery,
  ProxyConfRequest,
  ProxyConfView,
} from '../../schema/proxy-conf.ts';
import { proxyConfAnswer, type ProxyConfService } from '../../services/proxy-conf-service.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface ProxyConfToolDeps {
  proxyConfs: ProxyConfService;
}

/** Where the proxy is, as the tools take it: the same choices as the API's query string. */
const locationShape = {
  conf_dir: DevicePath.optional().describe(
    "the proxy-confs directory on the device (default: found from the proxy container's mounts, else /etc/nginx/conf.d)",
  ),
  proxy: z
    .enum(['auto', 'host'])
    .optional()
    .describe(
      "auto (default): the SWAG/nginx container with the conf dir mounted, else host nginx; host: the host's nginx",
    ),
  container: ContainerName.optional().describe("this container's nginx (instead of proxy)"),
};

/** A change's answer: the workflow's view, or the held operation (and, when a person was asked, what they did). */
const ChangeAnswer = z.looseObject({
  proxy_conf: ProxyConfView.optional(),
  status: z.string().optional().describe("DESTRUCTIVE_ACTION_BLOCKED while held for a person's phrase"),
  operation_id: z.string().optional(),
  outcome: z.string().optional().describe('when the person at the client was asked: ran, cancelled, rejected...'),
});

/** List, create (or replace, held) and remove (held) reverse-proxy confs of SWAG or nginx on a device. */
export function registerProxyConfTools(server: McpServer, deps: ProxyConfToolDeps, kit: ToolKit): void {
  /** The answer (kit.answer gives it as text and structured content); a failed or undone change is a tool error carrying the view. */
  const structured = async (produce: () => Promise<Record<string, unknown>>): Promise<CallToolResult> => {
    let value: Record<string, unknown> | undefined;
    const result = await kit.answer(async () => (value = await produce()));
    return value !== undefined && 'error' in value ? { ...result, isError: true } : result;
  };

  server.registerTool(
    'list_proxy_confs',
    {
      title: 'List reverse-proxy confs',
      description:
        "Reads the proxy confs (*.conf of SWAG's proxy-confs directory, or of host nginx's conf.d) live from the device: each with " +
        'its server names, locations, auth includes and upstreams (from proxy_pass / set $upstream_app), and whether each upstream ' +
        'container exists and runs. A conf whose container is missing or stopped gets a proxy_upstream_broken insight. Changes nothing.',
      inputSchema: { device: Hostname.describe('Device hostname'), ...locationShape },
      outputSchema: ProxyConfList,
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ device, ...location }) =>
      structured(async () => deps.proxyConfs.list(device, ProxyConfQuery.parse(location), kit.ctx())),
  );

  server.registerTool(
    'create_proxy_conf',
    {
      title: 'Put a service behind the reverse proxy',
      description:
        'Generates a SWAG-style <name>.subdomain.conf (server_name <subdomain>.*) or <name>.subfolder.conf (location /<name>/) that ' +
        "proxies to a container's port, with optional Authelia/Authentik includes and WebSocket upgrades, then as one durable " +
        'workflow: stores the previous and new version in the config history, writes it, validates with nginx -t in the proxy ' +
        'container (or host nginx), reloads, and checks that the name answers through the proxy (any status but 502/503/504). On ' +
        'any failure the previous conf is put back (or the new one removed) and nginx reloaded; the answer says why (nginx -t ' +
        'output). Creating a new conf runs at once; REPLACING an existing one is held until a person types the confirmation phrase ' +
        '(you never see it). The same conf again changes nothing.',
      inputSchema: { device: Hostname.describe('Device hostname'), ...ProxyConfRequest.shape },
      outputSchema: ChangeAnswer,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ device, ...args }, extra) =>
      structured(async () => {
        const outcome = await deps.proxyConfs.create(device, ProxyConfRequest.parse(args), kit.ctx());
        const body = proxyConfAnswer(outcome, kit.publicUrl).body;
        return (outcome.held_operation ? kit.askWhenHeld(outcome.held_operation, body, extra) : body) as Record<
          string,
          unknown
        >;
      }),
  );

  server.registerTool(
    'remove_proxy_conf',
    {
      title: 'Remove a reverse-proxy conf',
      description:
        'Removes <name>.subdomain.conf or <name>.subfolder.conf from the proxy: held until a person types the confirmation phrase, ' +
        'then removed, validated with nginx -t and reloaded; if nginx refuses, the conf is put back. The removed version stays in ' +
        'the config history.',
      inputSchema: {
        device: Hostname.describe('Device hostname'),
        file: ProxyConfFileName.describe('e.g. jellyfin.subdomain.conf'),
        ...locationShape,
      },
      outputSchema: ChangeAnswer,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ device, file, ...location }, extra) =>
      structured(async () => {
        const outcome = await deps.proxyConfs.remove(device, file, ProxyConfQuery.parse(location), kit.ctx());
        const body = proxyConfAnswer(outcome, kit.publicUrl).body;
        return (outcome.held_operation ? kit.askWhenHeld(outcome.held_operation, body, extra) : body) as Record<
          string,
          unknown
        >;
      }),
  );
}
