/**
 * The compiled server in dist/ (`npm run build:server`: tsc with tsconfig.build.json, then the workflow
 * bundle): what `npm start` runs, so the long-running process carries neither tsx nor esbuild, and its
 * worker loads a prebuilt bundle instead of running webpack at start. Plain JavaScript, so that it runs
 * before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = path.join(root, 'dist');
/** Written last by `npm run build:server`: the build is complete when it is newer than every input. */
export const WORKFLOW_BUNDLE = path.join(BUILD_DIR, 'workflow-bundle.js');
const BUILD_CONFIG = path.join(root, 'tsconfig.build.json');

/** Newest modification time (ms) of `target`, a file or a directory searched throughout. */
function newestMtime(target) {
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a file removed
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/**
 * Whether dist/ is missing or older than what it is built from: the sources tsconfig.build.json
 * includes (read as plain JSON: keep comments out of it), the TypeScript settings, and the
 * dependencies, whose workflow code goes into the bundle.
 */
function serverBuildIsStale() {
  if (!existsSync(WORKFLOW_BUNDLE)) return true;
  const { include } = JSON.parse(readFileSync(BUILD_CONFIG, 'utf8'));
  const inputs = [...include, 'tsconfig.build.json', 'tsconfig.json', 'package.json', 'package-lock.json'];
  const newestInput = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
  return newestInput > statSync(WORKFLOW_BUNDLE).mtimeMs;
}

/** Builds dist/ if it is stale; false when the build failed (its output went to stderr). */
export function ensureServerBuild() {
  if (!serverBuildIsStale()) return true;
  process.stderr.write('infrastructor: building the server into dist/ (npm run build:server)\n');
  const built = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
  return built.status === 0;
}
