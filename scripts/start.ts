/**
 * `npm start` (`--demo`: `npm run demo`): installs the tools (scripts/install-tools.sh), rebuilds the web
 * console when its sources changed, then runs the
 * system in this same process. npm passes a SIGINT or SIGTERM it receives to its child only, which the
 * script's `exec` makes this process: a shell or the tsx CLI in between would not pass it on.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const installed = spawnSync('bash', [path.join(root, 'scripts', 'install-tools.sh')], { stdio: 'inherit' });
if (installed.status !== 0) {
  process.stderr.write(`infrastructor could not start: scripts/install-tools.sh failed (${installed.error?.message ?? `exit ${installed.status ?? installed.signal}`}); see its output above\n`);
  process.exit(1);
}
// The web console is built by `npm ci`; this rebuilds it only when its sources changed since.
const built = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'build-web.ts'), '--if-stale'], { stdio: 'inherit' });
if (built.status !== 0) {
  process.stderr.write(`infrastructor could not start: building the web console failed (${built.error?.message ?? `exit ${built.status ?? built.signal}`}); see its output above, or run npm ci\n`);
  process.exit(1);
}
if (process.argv.includes('--demo')) {
  await import('../platform/demo.ts');
} else {
  const { runEmbedded } = await import('../platform/main.ts');
  await runEmbedded();
}
