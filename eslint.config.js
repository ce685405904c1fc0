import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', '.tools/', '.test-data/', '.test-data-*/', '.bench-data/', 'bin/*.mjs', 'eslint.config.js', 'web/dist/', 'web/src/api/openapi.gen.ts'] },
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
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no activity implementations.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https'], message: 'No Node built-ins in workflows.' },
          // Pure, deterministic helpers the workflows share with activities (quoting, compose ordering, diagnosis ranking) are the exception.
          {
            group: ['../activities/**/*.ts', '!../activities/ssh/quote.ts', '!../activities/compose/*', '!../activities/insights/*'],
            allowTypeImports: true,
            message: 'Import activities by type only.',
          },
        ],
      }],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
);
