import eslintConfigPrettier from 'eslint-config-prettier/flat';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Repeated in every block that sets no-restricted-imports, since a later block's options replace an earlier one's. */
const KYSELY_OUTSIDE_STORE = {
  name: 'kysely',
  allowTypeImports: true,
  message: 'SQL belongs in store/: call a repository (type imports are fine).',
};
/**
 * platform/ is what every layer stands on (config, logger, the db factory, Temporal, embedded servers):
 * it wires nothing, so it imports no front, worker or service; the composition root in app/ does that.
 */
const PLATFORM_BELOW_FRONTS = {
  group: ['**/app/**', '**/api/**', '**/mcp/**', '**/bin/**', '**/workers/**', '**/services/**'],
  message: 'platform/ sits below the fronts: wiring belongs in app/.',
};
/**
 * Services and fronts are handed repositories by the composition root (app/): they hold no database
 * handle, so they may not even name its type, nor make one. Type imports count here on purpose.
 */
/** `import()` is not an import declaration: the rule above does not see it, so it is refused by shape. */
const NO_DYNAMIC_IMPORT_OF_STORAGE = [
  'error',
  {
    selector: 'ImportExpression[source.value=/(^pg$|^kysely$|platform\\/db|\\/store\\/|\\/activities\\/)/]',
    message: 'Services and fronts reach storage through injected repositories, not a dynamic import.',
  },
];

const NO_DATABASE_HANDLE = [
  {
    group: ['kysely'],
    importNames: ['Kysely', 'Transaction', 'sql'],
    message: 'Services and fronts hold repositories (store/), not the database handle.',
  },
  {
    group: ['**/platform/db.ts'],
    importNames: ['createDb', 'migrateToLatest', 'awaitMigrations'],
    message: 'Only the composition root (app/) opens the database.',
  },
  {
    group: ['**/store/index.ts'],
    importNames: ['createRepositories'],
    message: 'Repositories are built once, in the composition root (app/), and injected.',
  },
  {
    group: ['pg'],
    message: 'Services and fronts open no database connection: the event feed and the repositories live in store/.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'dist/',
      '.tools/',
      '.test-data/',
      '.test-data-*/',
      '.bench-data/',
      'bin/*.mjs',
      'test/support/*.mjs',
      'eslint.config.js',
      'web/dist/',
      'client/openapi.gen.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
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
      'no-restricted-imports': [
        'error',
        {
          paths: [KYSELY_OUTSIDE_STORE],
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https'],
              message: 'No Node built-ins in workflows.',
            },
            {
              group: ['../activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities by type only; shared logic belongs in domain/.',
            },
            {
              group: [
                '../store/**',
                '../services/**',
                '../platform/**',
                '../app/**',
                '../api/**',
                '../mcp/**',
                '../http/**',
                '../bin/**',
                '../workers/**',
                '../simulator/**',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '@temporalio/testing',
              ],
              message: 'Workflows see domain/, schema/ and activity types only.',
            },
          ],
        },
      ],
    },
  },
  {
    // domain/ is pure: parsers, verdicts, analysis and planning that any layer, workflows included, may
    // import. No I/O, no Temporal, no database, no SSH; it depends on schema/ and itself only.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'node:fs',
            'node:fs/promises',
            'fs',
            'node:child_process',
            'node:net',
            'node:http',
            'node:https',
            'node:dgram',
            'node:dns',
            'node:worker_threads',
            'kysely',
            'pg',
            'ssh2',
            'express',
            'winston',
            'prom-client',
          ].map((name) => ({ name, message: 'domain/ is pure: I/O belongs in activities/ or store/.' })),
          patterns: [
            { group: ['@temporalio/*'], message: 'domain/ is pure: no Temporal.' },
            {
              group: [
                '**/activities/**',
                '**/store/**',
                '**/services/**',
                '**/platform/**',
                '**/api/**',
                '**/mcp/**',
                '**/workers/**',
                '**/workflows/**',
                '**/app/**',
              ],
              message: 'domain/ depends on schema/ and itself only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [PLATFORM_BELOW_FRONTS],
        },
      ],
    },
  },
  {
    // The db factory besides, which builds the kysely instance.
    files: ['platform/**/*.ts'],
    ignores: ['platform/db.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [KYSELY_OUTSIDE_STORE],
          patterns: [PLATFORM_BELOW_FRONTS],
        },
      ],
    },
  },
  {
    // Services use the repositories they are given.
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [KYSELY_OUTSIDE_STORE], patterns: NO_DATABASE_HANDLE }],
      'no-restricted-syntax': NO_DYNAMIC_IMPORT_OF_STORAGE,
    },
  },
  {
    // The fronts call services: they hold no activity, repository or SQL of their own.
    files: ['api/**/*.ts', 'mcp/**/*.ts', 'bin/**/*.ts', 'http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [KYSELY_OUTSIDE_STORE],
          patterns: [
            {
              group: ['**/activities/**', '**/store/**'],
              allowTypeImports: true,
              message: 'Fronts call services/; activities and repositories stay behind them.',
            },
            ...NO_DATABASE_HANDLE,
          ],
        },
      ],
      'no-restricted-syntax': NO_DYNAMIC_IMPORT_OF_STORAGE,
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  // Layout is Prettier's (`npm run format`; checked beside eslint): no eslint rule may disagree with it.
  eslintConfigPrettier,
);
