#!/usr/bin/env node
// The `infra` CLI. In a checkout it registers tsx (a dev dependency) and runs the TypeScript sources,
// so it is never older than they are; where only production dependencies are installed (the image),
// it runs the compiled CLI in dist/.
let tsx = null;
try {
  tsx = await import('tsx/esm/api');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
}
if (tsx) {
  tsx.register();
  await import('./infra-cli.ts');
} else {
  await import('../dist/bin/infra-cli.js');
}
