/**
 * The app's floor for `npm run bench:footprint`: a Node process that holds the Temporal SDK's worker with
 * a no-op workflow and nothing else (no API, no database client, no SSH). Plain JavaScript so that no
 * loader is in memory: `node bench/floor-worker.mjs ADDRESS BUNDLE_FILE`; prints "running" once polling.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

const [address, codePath] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace: 'default',
  taskQueue: 'footprint-floor',
  workflowBundle: { codePath },
});
const running = worker.run();
process.stdout.write('running\n');
await running;
await connection.close();
