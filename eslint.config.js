import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Repeated in every block that sets no-restricted-imports, since a later block's options replace an earlier one's. */
const KYSELY_OUTSIDE_STORE = { name: 'kysely', allowTypeImports: true, message: 'SQL belongs in store/: call a repository (type imports are fine).' };

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', '.tools/', '.test-data/', '.test-data-*/', '.bench-data/', 'bin/*.mjs', 'test/support/*.mjs', 'eslint.config.js', 'web/dist/', 'client/openapi.gen.ts'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Plain JavaScript that runs before the build (scripts/start.mjs) or without tsx (bin/infra.mjs): not in the TypeScript project.
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // SQL is built in store/ only (besides the migrations and the db factory): other layers call its
    // repositories and may name kysely's types. Tests may read the database directly to check it.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['store/**', 'schema/migrations/**', 'platform/db.ts', 'test/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [KYSELY_OUTSIDE_STORE] }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no activity or store
    // implementations. domain/ is pure by the rule below, so workflows may use its values.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [KYSELY_OUTSIDE_STORE],
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https'], message: 'No Node built-ins in workflows.' },
          { group: ['../activities/**', '../store/**', '../services/**', '../platform/**'], allowTypeImports: true, message: 'Workflows import activities by type only; shared logic belongs in domain/.' },
        ],
      }],
    },
  },
  {
    // domain/ is pure: parsers, verdicts, analysis and planning that any layer, workflows included, may
    // import. No I/O, no Temporal, no database, no SSH; it depends on schema/ and itself only.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['node:fs', 'node:fs/promises', 'fs', 'node:child_process', 'node:net', 'node:http', 'node:https', 'node:dgram', 'node:dns', 'node:worker_threads', 'kysely', 'pg', 'ssh2', 'express', 'winston', 'prom-client'].map((name) => ({ name, message: 'domain/ is pure: I/O belongs in activities/ or store/.' })),
        patterns: [
          { group: ['@temporalio/*'], message: 'domain/ is pure: no Temporal.' },
          { group: ['**/activities/**', '**/store/**', '**/services/**', '**/platform/**', '**/api/**', '**/mcp/**', '**/workers/**', '**/workflows/**'], message: 'domain/ depends on schema/ and itself only.' },
        ],
      }],
    },
  },
  {
    // The fronts call services: they hold no activity, repository or SQL of their own.
    files: ['api/**/*.ts', 'mcp/**/*.ts', 'bin/**/*.ts', 'http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/activities/**', '**/store/**'], allowTypeImports: true, message: 'Fronts call services/; activities and repositories stay behind them.' },
          { group: ['kysely'], importNames: ['sql', 'Kysely'], allowTypeImports: true, message: 'SQL belongs in store/.' },
        ],
      }],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
);
