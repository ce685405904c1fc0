/**
 * The registry drives the rest: every data type it lists must have each part that follows from it.
 * A collector added without its table, MCP tool, schedule, OpenAPI answer, simulator answer or capability
 * entry, or with the README's generated Data table left stale, fails here, naming the type and the missing part.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { openApiDocument } from '../../api/openapi.ts';
import { OUTPUTS } from '../../simulator/outputs/index.ts';
import { REQUIRED_CAPABILITIES } from '../../domain/collectors/collector.ts';
import { collectorFor, collectors, DATA_TYPES, type DataType } from '../../domain/collectors/registry.ts';
import { MAINTENANCE_POLL_INTERVAL_SECONDS, pollIntervalSeconds } from '../../services/schedule-service.ts';
import { renderDataTypes, withDeclaredServer, withSection } from '../../scripts/readme-sections.ts';
import { schemaCheckedParse } from '../support/collector-fixtures.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (...parts: string[]) => readFileSync(path.join(root, ...parts), 'utf8');
const migrations = readdirSync(path.join(root, 'schema', 'migrations'))
  .filter((f) => /^\d{4}_.*\.ts$/.test(f))
  .map((f) => read('schema', 'migrations', f))
  .join('\n');
const databaseTypes = read('schema', 'database.ts');
interface JsonSchema {
  $ref?: string;
  const?: string;
  properties?: Record<string, JsonSchema>;
}
const openApiSchemas = (
  openApiDocument() as {
    components: { schemas: Record<string, JsonSchema & { discriminator?: { mapping: Record<string, string> } }> };
  }
).components.schemas;
let mcpTools: Tool[] = [];
before(async () => {
  mcpTools = (await withDeclaredServer((client) => client.listTools())).tools;
});

for (const [key, collector] of Object.entries(collectors) as Array<[DataType, (typeof collectors)[DataType]]>) {
  test(`data type ${key} has every part the registry implies`, () => {
    assert.equal(collector.dataType, key, "the registry key is the collector's dataType");
    assert.match(collector.tool.name, /^get_[a-z_]+$/, 'its MCP tool is get_…');
    assert.ok(collector.tool.title && collector.tool.description.length > 40, 'its MCP tool says what it answers');
    assert.ok(
      collector.freshnessSeconds > 0 && collector.pollIntervalSeconds >= collector.freshnessSeconds,
      'freshness within the poll interval',
    );
    assert.ok(collector.commandTimeoutMs > 0 && collector.retentionDays > 0, 'a command timeout and a retention');
    assert.ok(migrations.includes(`'${collector.table}'`), `a migration creates ${collector.table}`);
    assert.ok(databaseTypes.includes(`${collector.table}:`), `schema/database.ts types ${collector.table}`);
    assert.ok(
      OUTPUTS[key] !== undefined || collector.unavailableOutput !== undefined,
      "the fleet simulator answers its script: a generator in simulator/outputs/, or the collector's unavailableOutput",
    );
    assert.equal(
      collector.requiredCapability,
      (REQUIRED_CAPABILITIES as Record<string, string>)[key],
      "its required capability is the one REQUIRED_CAPABILITIES (the console's table) names",
    );

    const tool = mcpTools.find((t) => t.name === collector.tool.name);
    assert.equal(tool?.title, collector.tool.title, 'the MCP server lists its tool');
    const output = tool.outputSchema as JsonSchema | undefined;
    assert.equal(output?.properties?.data_type?.const, key, "its tool's output schema names its type");
    assert.ok(
      Object.keys(output.properties.data?.properties ?? {}).length > 0,
      "its tool's output schema describes the payload",
    );

    assert.equal(
      pollIntervalSeconds(key, false),
      collector.pollIntervalSeconds,
      'its polling schedule runs at its interval',
    );
    assert.equal(
      pollIntervalSeconds(key, true),
      Math.max(collector.pollIntervalSeconds, MAINTENANCE_POLL_INTERVAL_SECONDS),
      'and slower in maintenance',
    );

    const answerRef = openApiSchemas.DataAnswer?.discriminator?.mapping[key];
    const answer = openApiSchemas[answerRef?.replace('#/components/schemas/', '') ?? ''];
    assert.equal(
      answer?.properties?.data_type?.const,
      key,
      'the OpenAPI data answer has its own schema, told apart by data_type',
    );
    assert.ok(
      Object.keys(answer.properties.data?.properties ?? {}).length > 0,
      "and its payload is described by the collector's schema",
    );
  });
}

for (const key of DATA_TYPES.filter((t) => collectorFor(t).unavailableOutput !== undefined)) {
  test(`the "not available" output of ${key} parses to an answer of its schema that clears its capability`, () => {
    const collector = collectorFor(key);
    const data = schemaCheckedParse(collector, collector.unavailableOutput!);
    if (collector.requiredCapability) assert.equal(collector.capabilities?.(data)[collector.requiredCapability], false);
  });
}

test("the README's Data table is the one the registry generates", () => {
  assert.equal(
    withSection(read('README.md'), renderDataTypes()),
    read('README.md'),
    'README.md is stale: run npx tsx scripts/readme-sections.ts',
  );
});

test('MCP tool names are unique across data types', () => {
  const names = Object.values(collectors).map((c) => c.tool.name);
  assert.equal(new Set(names).size, names.length);
});

test("the data route of the OpenAPI document accepts exactly the registry's types", () => {
  const doc = openApiDocument() as {
    paths: Record<string, { get?: { parameters?: Array<{ name: string; schema?: { enum?: string[] } }> } }>;
  };
  const route = doc.paths['/api/devices/{hostname}/{data_type}'];
  const param = route?.get?.parameters?.find((p) => p.name === 'data_type');
  assert.deepEqual([...(param?.schema?.enum ?? [])].sort(), [...DATA_TYPES].sort());
});
