/**
 * The README's generated sections, each between its own markers:
 * - `data-types`: the Data table, from the collector registry (test/unit/registry.test.ts fails while it is stale);
 * - `mcp-reference`: tools with the scope each needs, resources, resource templates, prompts, from what
 *   the MCP server declares (test/integration/mcp-surface.test.ts fails while it differs from the real server's).
 * Run after adding or changing a data type, tool, resource or prompt:
 *   npx tsx scripts/readme-sections.ts           rewrite the sections in README.md
 *   npx tsx scripts/readme-sections.ts --check   exit 1 when a section is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { collectors } from '../domain/collectors/registry.ts';
import { buildServer, openAgentSession, type McpDeps } from '../mcp/server.ts';
import { doorScopeOf } from '../mcp/tool-scopes.ts';

export const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
type SectionName = 'data-types' | 'mcp-reference';
const begin = (name: SectionName) => `<!-- ${name}:begin (generated: npx tsx scripts/readme-sections.ts) -->`;
const end = (name: SectionName) => `<!-- ${name}:end -->`;
/** A section's lines between its markers. */
const generated = (name: SectionName, lines: string[]) => [begin(name), '', ...lines, '', end(name)].join('\n');

/** Table cells: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
/** The first sentence of a description, at most 200 characters: the table says what a thing is, the server tells the rest. */
function summary(text = ''): string {
  const sentence = cell(/^.*?\.(?=\s+[A-Z]|\s*$)/s.exec(text)?.[0] ?? text);
  return sentence.length > 200 ? `${sentence.slice(0, 199).trimEnd()}…` : sentence;
}

/** The MCP reference as Markdown, from a connected client's lists. */
export async function renderMcpReference(client: Client): Promise<string> {
  const { tools } = await client.listTools();
  const { resourceTemplates } = await client.listResourceTemplates();
  const templates = resourceTemplates.map((t) => new UriTemplate(t.uriTemplate));
  // resources/list also holds what the templates enumerate (one per device): only the fixed ones are documented.
  const fixed = (await client.listResources()).resources.filter((r) => !templates.some((t) => t.match(r.uri) !== null));
  const { prompts } = await client.listPrompts();

  // Read as the MCP specification defaults them: a tool that is not read-only is destructive and open-world unless it says otherwise.
  const hints = ({ annotations: a }: (typeof tools)[number]) =>
    [
      a?.readOnlyHint ? 'read-only' : a?.destructiveHint !== false && 'destructive',
      !a?.readOnlyHint && a?.idempotentHint && 'idempotent',
      a?.openWorldHint !== false && 'reaches devices',
    ]
      .filter(Boolean)
      .join(', ') || '—';
  return generated('mcp-reference', [
    `### Tools (${tools.length})`,
    '',
    "Scope: what the token must hold (see Security). Hints: the tool's annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint).",
    '',
    '| Tool | Scope | Hints | What it does |',
    '| --- | --- | --- | --- |',
    ...tools.map((t) => `| \`${t.name}\` | ${doorScopeOf(t)} | ${hints(t)} | ${summary(t.description)} |`),
    '',
    `### Resources (${fixed.length + resourceTemplates.length})`,
    '',
    '| URI | Name | What it holds |',
    '| --- | --- | --- |',
    ...fixed.map((r) => `| \`${r.uri}\` | ${r.name} | ${summary(r.description)} |`),
    ...resourceTemplates.map((t) => `| \`${t.uriTemplate}\` | ${t.name} | ${summary(t.description)} |`),
    '',
    `### Prompts (${prompts.length})`,
    '',
    '| Prompt | Arguments | What it does |',
    '| --- | --- | --- |',
    ...prompts.map(
      (p) =>
        `| \`${p.name}\` | ${(p.arguments ?? []).map((a) => `\`${a.name}\`${a.required ? '' : '?'}`).join(', ') || '—'} | ${summary(p.description)} |`,
    ),
  ]);
}

/** `300 s`, or whole hours as `6 h`. */
const duration = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds} s`);

/** The Data table: every registered type with what it holds, how fresh an answer is kept, how often it is polled, how long it is kept. */
export function renderDataTypes(): string {
  return generated('data-types', [
    '| data type | what | fresh for / polled every | kept |',
    '|---|---|---|---|',
    ...Object.values(collectors).map((c) => {
      const cadence =
        c.freshnessSeconds === c.pollIntervalSeconds
          ? duration(c.freshnessSeconds)
          : `${duration(c.freshnessSeconds)} / ${duration(c.pollIntervalSeconds)}`;
      return `| \`${c.dataType}\` | ${cell(c.description)} | ${cadence} | ${c.retentionDays} d |`;
    }),
  ]);
}

/** The README with the section that `section` (markers included, as rendered above) names replaced by it. */
export function withSection(readme: string, section: string): string {
  const name = /^<!-- ([a-z-]+):begin /.exec(section)?.[1] as SectionName | undefined;
  if (name === undefined) throw new Error('not a generated section: it must start with its begin marker');
  const start = readme.indexOf(begin(name));
  const stop = readme.indexOf(end(name));
  if (start < 0 || stop < start) throw new Error(`README.md has no ${begin(name)} … ${end(name)} section`);
  return readme.slice(0, start) + section + readme.slice(stop + end(name).length);
}

/**
 * Runs `use` on a client of an MCP server built without a running system, to list what it declares:
 * nothing here reads a device, so the services are absent; an empty device list makes the templates
 * enumerate nothing.
 */
export async function withDeclaredServer<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const absent = new Proxy(
    {},
    {
      get: (_t, name) => {
        throw new Error(`listing the MCP surface does not use ${String(name)}`);
      },
    },
  );
  const deps = new Proxy(
    {
      devices: { list: async () => [] },
      events: { subscribe: () => () => undefined },
      operations: { settings: { publicUrl: null } },
    },
    { get: (known, name) => (name in known ? known[name as keyof typeof known] : absent) },
  ) as unknown as McpDeps;
  const server = buildServer(deps, openAgentSession());
  const client = new Client({ name: 'readme-sections', version: '1' });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return await use(client);
  } finally {
    await client.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const readme = readFileSync(README, 'utf8');
  const updated = [renderDataTypes(), await withDeclaredServer(renderMcpReference)].reduce(withSection, readme);
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      process.stderr.write('README.md: a generated section is stale; run npx tsx scripts/readme-sections.ts\n');
      process.exit(1);
    }
  } else if (updated !== readme) {
    writeFileSync(README, updated);
    process.stdout.write('README.md: generated sections updated\n');
  }
}
