import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CollectorParseError } from '../../activities/collectors/parse-error.ts';

/** Where a fixture of one data type lives: test/fixtures/<dataType>/<name>. */
export function fixtureUrl(dataType: string, name: string): URL {
  return new URL(`../fixtures/${dataType}/${name}`, import.meta.url);
}

/** Reads fixtures of one data type: realistic outputs of its script. */
export function fixtureReader(dataType: string): (name: string) => string {
  return (name) => readFileSync(fixtureUrl(dataType, name), 'utf8');
}

/** Asserts that `run` fails with a CollectorParseError of `dataType` whose message matches. */
export function parseErrorAsserter(dataType: string): (run: () => unknown, message: RegExp) => void {
  return (run, message) =>
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof CollectorParseError, `expected CollectorParseError, got ${String(error)}`);
      assert.equal(error.dataType, dataType);
      assert.match(error.message, message);
      return true;
    });
}
