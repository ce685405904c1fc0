import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Collector, CollectorContext } from '../../domain/collectors/collector.ts';
import { CollectorParseError } from '../../domain/collectors/parse-error.ts';
import { collectors, type DataType } from '../../domain/collectors/registry.ts';
import { shellQuote } from '../../domain/ssh/quote.ts';

/** Where a fixture of one data type lives: test/fixtures/<dataType>/<name>. */
export function fixtureUrl(dataType: string, name: string): URL {
  return new URL(`../fixtures/${dataType}/${name}`, import.meta.url);
}

/** Reads fixtures of one data type: realistic outputs of its script. */
export function fixtureReader(dataType: string): (name: string) => string {
  return (name) => readFileSync(fixtureUrl(dataType, name), 'utf8');
}

/** The fixture files of one data type (its README, which cites their sources, left out). */
export function fixtureNames(dataType: string): string[] {
  return readdirSync(fixtureUrl(dataType, ''))
    .filter((name) => name !== 'README.md')
    .sort();
}

/**
 * Parses a script output as `collector.parse` does and holds the answer to `collector.schema`: a field
 * missing or of the wrong type fails, and so does one the schema does not declare (parsing strips it).
 */
export function schemaCheckedParse<T>(collector: Collector<T>, stdout: string, ctx: CollectorContext<T> = {}): T {
  const data = collector.parse({ stdout, stderr: '', exitCode: 0 }, ctx);
  assert.deepEqual(collector.schema.parse(data), data, `the ${collector.dataType} answer does not match its schema`);
  return data;
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

/**
 * A fake device tool (docker, smartctl, zpool, apt...) answering from a fixture of its collector: `cases`
 * are `case "$*" in` branches that set `section` (or answer themselves); the fixture's `@@section`,
 * `@@section-stderr` and `@@section-status` become the tool's stdout, stderr and exit status. Each call
 * is appended to `logTo` (a shell word, e.g. `'/tmp/calls.log'` or `"$INFRA_TEST_EXEC_LOG"`).
 */
export function fixtureToolScript(o: {
  name: string;
  fixturePath: string;
  cases: readonly string[];
  logTo: string;
  keepBlankLines?: boolean;
}): string {
  const filter = o.keepBlankLines ? 'on' : 'on && $0 != ""';
  return [
    '#!/bin/sh',
    `printf '%s %s\\n' ${shellQuote(o.name)} "$*" >> ${o.logTo}`,
    'case "$*" in',
    ...o.cases.map((line) => `  ${line}`),
    `  *) echo ${shellQuote(`fake ${o.name}: unexpected arguments:`)} "$*" >&2; exit 2 ;;`,
    'esac',
    `fixture=${shellQuote(o.fixturePath)}`,
    `print_section() { awk -v want="@@$1" '$0 == want { on = 1; next } /^@@/ { on = 0 } ${filter}' "$fixture"; }`,
    'print_section "$section"',
    'print_section "$section-stderr" >&2',
    'exit "$(print_section "$section-status")"',
    '',
  ].join('\n');
}

/** A fixture as the real collector parses it, after edits that must each apply. */
export function parsedFixture<T>(
  type: DataType,
  name: string,
  ...edits: Array<[search: string | RegExp, replacement: string]>
): T {
  let text = fixtureReader(type)(name);
  for (const [search, replacement] of edits) {
    const edited = text.replace(search, replacement);
    assert.notEqual(edited, text, `${String(search)} not found in ${type}/${name}`);
    text = edited;
  }
  return collectors[type].parse({ stdout: text, stderr: '', exitCode: 0 }, {}) as T;
}
