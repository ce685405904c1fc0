import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { TokenScope } from '../schema/api-token.ts';
import { buildServer, openAgentSession, type McpDeps } from './server.ts';

/**
 * Tools that change what is managed rather than the devices themselves: the device list and the alert
 * rules, which need `admin` on HTTP too (api/security.ts).
 */
const ADMIN_TOOLS = new Set([
  'add_device',
  'update_device',
  'remove_device',
  'import_ssh_config',
  'create_alert_rule',
  'set_alert_rule_enabled',
  'delete_alert_rule',
]);
/**
 * Tools that judge the caller themselves, so a refusal is a tool result the model can read (forbidden,
 * requester_cannot_confirm) rather than an HTTP 403 that ends the call.
 */
const SELF_CHECKED_TOOLS = new Set(['confirm_operation', 'cancel_operation']);

export type DoorScope = Exclude<TokenScope, 'confirm'>;

/** The scope one listed tool needs at the door, from its annotations: read-only `read`, ADMIN_TOOLS `admin`, every other `operate`. */
export function doorScopeOf(tool: { name: string; annotations?: { readOnlyHint?: boolean } }): DoorScope {
  if (ADMIN_TOOLS.has(tool.name)) return 'admin';
  return tool.annotations?.readOnlyHint || SELF_CHECKED_TOOLS.has(tool.name) ? 'read' : 'operate';
}

/** The scope each tool needs, asked of a server over an in-memory link (once per process). */
export async function toolScopes(deps: McpDeps): Promise<Map<string, DoorScope>> {
  const server = buildServer(deps, openAgentSession());
  const client = new Client({ name: 'infrastructor-scopes', version: '1' });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    const { tools } = await client.listTools();
    return new Map(tools.map((t) => [t.name, doorScopeOf(t)]));
  } finally {
    await client.close();
    await server.close();
  }
}

const RANK: Record<DoorScope, number> = { read: 0, operate: 1, admin: 2 };

/** The scope a JSON-RPC request (or batch) needs: the highest of its tool calls; anything else is `read`. */
export function mcpRequestScope(body: unknown, scopes: Map<string, DoorScope>): DoorScope {
  const messages = Array.isArray(body) ? body : [body];
  let needed: DoorScope = 'read';
  for (const m of messages as Array<{ method?: unknown; params?: { name?: unknown } } | null>) {
    if (m?.method !== 'tools/call' || typeof m.params?.name !== 'string') continue;
    const scope = scopes.get(m.params.name) ?? 'read';
    if (RANK[scope] > RANK[needed]) needed = scope;
  }
  return needed;
}
