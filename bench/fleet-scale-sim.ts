/**
 * Child process of bench/fleet-scale.ts: runs the simulated fleet on its own event loop (and its own
 * CPU account), talks to the parent over IPC.
 *   argv: COUNT DIR
 *   → { type: 'ready', devices, clientKeyPath, username }   ← { type: 'stats', id } → { type: 'stats', id, stats }
 *   ← { type: 'stop' } → stops the devices and exits.
 */
import { startFleet } from '../simulator/simulator.ts';

export interface SimDevice {
  hostname: string;
  address: string;
  port: number;
  deviceType: string;
  role: string;
}
export type SimMessage =
  | { type: 'ready'; devices: SimDevice[]; clientKeyPath: string; username: string }
  | { type: 'stats'; id: number; stats: { connections: number; execs: number; byType: Record<string, number> } };

const [count, dir] = [Number(process.argv[2]), process.argv[3]!];
const fleet = await startFleet({ count, seed: 1, dir });
const send = (m: SimMessage) => process.send!(m);
send({
  type: 'ready',
  devices: fleet.devices.map((d) => ({
    hostname: d.hostname,
    address: d.address,
    port: d.port,
    deviceType: d.profile.deviceType,
    role: d.profile.role,
  })),
  clientKeyPath: fleet.clientKeyPath,
  username: fleet.username,
});
process.on('message', (m: { type: string; id?: number }) => {
  if (m.type === 'stats') send({ type: 'stats', id: m.id!, stats: fleet.stats() });
  if (m.type === 'stop') void fleet.stop().then(() => process.exit(0));
});
// The parent gone (crashed, killed): do not linger with 500 listeners.
process.on('disconnect', () => void fleet.stop().then(() => process.exit(0)));
