/**
 * The registry drives the rest: every data type it lists must have each part that follows from it.
 * A collector added without its table, simulator answer, capability entry or OpenAPI route value, or
 * with the README's generated Data table left stale, fails here, naming the type and the missing part.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../../api/openapi.ts';
import { OUTPUTS } from '../../simulator/outputs/index.ts';
import { REQUIRED_CAPABILITIES } from '../../domain/collectors/collector.ts';
import { collectors, DATA_TYPES } from '../../domain/collectors/registry.ts';
import { renderDataTypes, withSection } from '../../scripts/readme-sections.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (...parts: string[]) => readFileSync(path.join(root, ...parts), 'utf8');
const migrations = readdirSync(path.join(root, 'schema', 'migrations'))
  .filter((f) => /^\d{4}_.*\.ts$/.test(f))
  .map((f) => read('schema', 'migrations', f))
  .join('\n');
const databaseTypes = read('schema', 'database.ts');

for (const [key, collector] of Object.entries(collectors)) {
  test(`data type ${key} has every part the registry implies`, () => {
    assert.equal(collector.dataType, key, 'the registry key is the collector\'s dataType');
    assert.match(collector.tool.name, /^get_[a-z_]+$/, 'its MCP tool is get_…');
    assert.ok(collector.tool.title && collector.tool.description.length > 40, 'its MCP tool says what it answers');
    assert.ok(collector.freshnessSeconds > 0 && collector.pollIntervalSeconds >= collector.freshnessSeconds, 'freshness within the poll interval');
    assert.ok(collector.commandTimeoutMs > 0 && collector.retentionDays > 0, 'a command timeout and a retention');
    assert.ok(migrations.includes(`'${collector.table}'`), `a migration creates ${collector.table}`);
    assert.ok(databaseTypes.includes(`${collector.table}:`), `schema/database.ts types ${collector.table}`);
    assert.equal(typeof OUTPUTS[key as keyof typeof OUTPUTS], 'function', 'the fleet simulator answers its script');
    assert.equal(
      collector.requiredCapability,
      (REQUIRED_CAPABILITIES as Record<string, string>)[key],
      'its required capability is the one REQUIRED_CAPABILITIES (the console\'s table) names',
    );
  });
}

test('the README\'s Data table is the one the registry generates', () => {
  assert.equal(withSection(read('README.md'), renderDataTypes()), read('README.md'), 'README.md is stale: run npx tsx scripts/readme-sections.ts');
});

test('MCP tool names are unique across data types', () => {
  const names = Object.values(collectors).map((c) => c.tool.name);
  assert.equal(new Set(names).size, names.length);
});

test('the data route of the OpenAPI document accepts exactly the registry\'s types', () => {
  const doc = openApiDocument() as { paths: Record<string, { get?: { parameters?: Array<{ name: string; schema?: { enum?: string[] } }> } }> };
  const route = doc.paths['/api/devices/{hostname}/{data_type}'];
  const param = route?.get?.parameters?.find((p) => p.name === 'data_type');
  assert.deepEqual([...(param?.schema?.enum ?? [])].sort(), [...DATA_TYPES].sort());
});
