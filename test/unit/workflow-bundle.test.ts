import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { writeWorkflowBundle } from '../../workers/worker.ts';
import { withoutEmbeddedSources } from '../../workers/workflow-bundle.ts';
import { tempDirs } from '../support/temp-dirs.ts';

function inlineSourceMap(code: string): { sources: string[]; mappings: string; sourcesContent?: unknown } {
  const at = code.lastIndexOf('//# sourceMappingURL=data:');
  const base64 = code.indexOf('base64,', at) + 'base64,'.length;
  return JSON.parse(Buffer.from(code.slice(base64).trimEnd(), 'base64').toString());
}

describe('the workflow bundle', () => {
  const temp = tempDirs();

  test('carries neither zod nor the sources in its source map, and still maps every module', async () => {
    const file = path.join(temp('bundle'), 'workflow-bundle.js');
    await writeWorkflowBundle(file);
    const code = readFileSync(file, 'utf8');
    const map = inlineSourceMap(code);
    // Every worker's workflow isolate compiles what the bundle holds: schema validation has no place there.
    assert.deepEqual(
      map.sources.filter((s) => s.includes('node_modules/zod/')),
      [],
    );
    assert.equal(map.sourcesContent, undefined);
    assert.ok(
      map.sources.some((s) => s.endsWith('workflows/operation.ts') || s.endsWith('workflows/operation.js')),
      'workflow sources are still mapped',
    );
    assert.ok(map.mappings.length > 10_000);
  });
});

test('withoutEmbeddedSources keeps the code and the mappings and refuses a bundle without an inline map', () => {
  const map = { version: 3, file: 'b.js', sources: ['a.ts'], sourcesContent: ['const a = 1;'], mappings: 'AAAA' };
  const code = `const a = 1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
  const slim = withoutEmbeddedSources(code);
  assert.ok(slim.startsWith('const a = 1;\n//# sourceMappingURL=data:application/json;base64,'));
  assert.deepEqual(inlineSourceMap(slim), { version: 3, file: 'b.js', sources: ['a.ts'], mappings: 'AAAA' });
  assert.throws(() => withoutEmbeddedSources('const a = 1;'), /no inline source map/);
});
