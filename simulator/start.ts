/**
 * Starts a simulated fleet and, with --api, registers every device with a running infrastructor.
 *
 *   npx tsx simulator/start.ts --devices 20 [--api http://127.0.0.1:9101] [--seed 1] [--latency 0]
 *                                [--host 127.0.0.1] [--port 2222] [--dir .bench-data/fleet]
 *
 * Runs until SIGINT or SIGTERM, then stops the devices. While it runs, lines on stdin change faults:
 *   fault HOSTNAME refuse|hang|drop|auth_fail      fault HOSTNAME slow MS      clear HOSTNAME      stats
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { registerFleet } from './register.ts';
import { type Fault, type Fleet, startFleet } from './simulator.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '20' },
    api: { type: 'string' },
    seed: { type: 'string', default: '1' },
    latency: { type: 'string', default: '0' },
    host: { type: 'string' },
    port: { type: 'string', default: '2222' },
    dir: { type: 'string', default: path.join(root, '.bench-data', 'fleet') },
  },
});

function integer(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

function parseFault(words: readonly string[]): Fault | null {
  const [kind, ms] = words;
  switch (kind) {
    case 'refuse':
    case 'hang':
    case 'drop':
    case 'auth_fail':
      return { kind };
    case 'slow':
      return { kind, ms: integer('slow', ms) };
    default:
      throw new Error(`unknown fault ${kind ?? '(none)'}: refuse, hang, drop, auth_fail or slow MS`);
  }
}

/** The stdin console: faults on and off while the fleet runs. */
function control(fleet: Fleet): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, hostname = '', ...rest] = line.trim().split(/\s+/);
    try {
      if (command === 'fault') fleet.setFault(hostname, parseFault(rest));
      else if (command === 'clear') fleet.setFault(hostname, null);
      else if (command === 'stats') console.log(JSON.stringify(fleet.stats()));
      else if (command) throw new Error('commands: fault HOSTNAME KIND [MS], clear HOSTNAME, stats');
      if (command === 'fault' || command === 'clear')
        console.log(`${hostname}: ${command === 'clear' ? 'no fault' : rest.join(' ')}`);
    } catch (err) {
      console.error((err as Error).message);
    }
  });
}

const fleet = await startFleet({
  count: integer('devices', values.devices),
  seed: integer('seed', values.seed),
  latencyMs: integer('latency', values.latency),
  ...(values.host !== undefined && { host: values.host }),
  firstPort: integer('port', values.port),
  dir: path.resolve(values.dir),
});
for (const d of fleet.devices)
  console.log(
    `${d.hostname.padEnd(10)} ${`${d.address}:${d.port}`.padEnd(21)} ${d.profile.role.padEnd(8)} ${d.hostKeyFingerprint}`,
  );
console.log(`${fleet.devices.length} devices up; user ${fleet.username}, key ${fleet.clientKeyPath}`);
if (values.api) {
  const { created, updated, failed } = await registerFleet(values.api, fleet);
  for (const { hostname, error } of failed) console.error(`could not register ${hostname}: ${error}`);
  console.log(`registered with ${values.api}: ${created} created, ${updated} updated, ${failed.length} failed`);
}
control(fleet);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await fleet.stop();
  console.log(`stopped; ${JSON.stringify(fleet.stats())}`);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
