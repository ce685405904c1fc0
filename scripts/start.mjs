/**
 * `npm start` (`--demo`: `npm run demo`): installs the tools (scripts/install-tools.sh), builds dist/ if
 * it is missing or older than the sources (server-build.mjs) and the web console if its sources changed,
 * then runs the compiled system in this same process. npm passes a SIGINT or SIGTERM it receives to its child only, which the script's `exec` makes
 * this process: a shell or the tsx CLI in between would not pass it on. Plain JavaScript, so that it runs
 * before the build and nothing of tsx stays loaded.
 *
 * The script also sets MALLOC_ARENA_MAX=2, which glibc reads only as a process starts: the Temporal
 * SDK's native threads otherwise each get a malloc arena of their own, and at idle those hold about
 * 30 MB that is never given back (BENCHMARKS.md, 2026-12-07). Run this file some other way (a systemd
 * unit), set it there too.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILD_DIR, ensureServerBuild, WORKFLOW_BUNDLE } from './server-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const installed = spawnSync('bash', [path.join(root, 'scripts', 'install-tools.sh')], { stdio: 'inherit' });
if (installed.status !== 0) {
  process.stderr.write(
    `infrastructor could not start: scripts/install-tools.sh failed (${installed.error?.message ?? `exit ${installed.status ?? installed.signal}`}); see its output above\n`,
  );
  process.exit(1);
}
if (!ensureServerBuild()) {
  process.stderr.write('infrastructor could not start: npm run build:server failed; see its output above\n');
  process.exit(1);
}
// The console is built by `npm ci`; this rebuilds it only when its sources changed since (in a child, so
// tsx does not stay loaded here).
const builtWeb = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'scripts', 'build-web.ts'), '--if-stale'],
  { stdio: 'inherit' },
);
if (builtWeb.status !== 0) {
  process.stderr.write(
    `infrastructor could not start: building the web console failed (${builtWeb.error?.message ?? `exit ${builtWeb.status ?? builtWeb.signal}`}); see its output above, or run npm ci\n`,
  );
  process.exit(1);
}
// The worker loads the bundle the build wrote instead of bundling workflows/ at every start.
process.env.INFRA_WORKFLOW_BUNDLE ??= WORKFLOW_BUNDLE;
if (process.argv.includes('--demo')) {
  await import(pathToFileURL(path.join(BUILD_DIR, 'app', 'demo.js')).href);
} else {
  const { runEmbedded } = await import(pathToFileURL(path.join(BUILD_DIR, 'app', 'main.js')).href);
  await runEmbedded();
}
