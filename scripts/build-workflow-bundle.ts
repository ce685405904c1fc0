/**
 * `tsx scripts/build-workflow-bundle.ts FILE` (or compiled, `node dist/scripts/build-workflow-bundle.js FILE`,
 * as `npm run build:server` does): writes the workflow bundle to FILE; a worker started with
 * INFRA_WORKFLOW_BUNDLE=FILE loads it instead of bundling at start.
 */
import path from 'node:path';
import { writeWorkflowBundle } from '../workers/worker.ts';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: build-workflow-bundle FILE\n');
  process.exit(2);
}
const target = path.resolve(file);
await writeWorkflowBundle(target);
process.stdout.write(`workflow bundle written to ${target}\n`);
