import type { Fleet, SimulatedDevice } from './simulator.ts';

/**
 * Registers simulated devices with a running infrastructor through its HTTP API, the way a user would:
 * `POST /api/devices`, or for a hostname already there (a fleet started again) a `PATCH` with the new
 * address, port and key; a pinned host key that is not the simulator's is reset.
 */

/** Registration requests in flight at once: enough to be quick, few enough not to swamp the API. */
const CONCURRENCY = 8;

export interface RegistrationResult {
  created: number;
  updated: number;
  failed: { hostname: string; error: string }[];
}

async function request(
  api: string,
  method: string,
  route: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(route, api), {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function register(api: string, fleet: Fleet, device: SimulatedDevice): Promise<'created' | 'updated'> {
  const ssh = {
    address: device.address,
    port: device.port,
    username: fleet.username,
    identity_file: fleet.clientKeyPath,
  };
  const created = await request(api, 'POST', '/api/devices', {
    hostname: device.hostname,
    ...ssh,
    device_type: device.profile.deviceType,
    tags: ['fleet-sim', device.profile.role],
    description: `${device.profile.os.prettyName}, simulated`,
  });
  if (created.status === 201) return 'created';
  if (created.status !== 409) throw new Error(`POST /api/devices: ${created.status} ${JSON.stringify(created.json)}`);
  const route = `/api/devices/${encodeURIComponent(device.hostname)}`;
  const updated = await request(api, 'PATCH', route, { ...ssh, auth_method: 'key' });
  if (updated.status !== 200) throw new Error(`PATCH ${route}: ${updated.status} ${JSON.stringify(updated.json)}`);
  const pinned = updated.json.host_key_fingerprint;
  if (pinned !== null && pinned !== device.hostKeyFingerprint) {
    const reset = await request(api, 'PATCH', route, { reset_host_key: true });
    if (reset.status !== 200)
      throw new Error(`PATCH ${route} reset_host_key: ${reset.status} ${JSON.stringify(reset.json)}`);
  }
  return 'updated';
}

export async function registerFleet(api: string, fleet: Fleet): Promise<RegistrationResult> {
  const queue = [...fleet.devices];
  const result: RegistrationResult = { created: 0, updated: 0, failed: [] };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let device = queue.shift(); device; device = queue.shift()) {
        try {
          result[await register(api, fleet, device)] += 1;
        } catch (err) {
          result.failed.push({ hostname: device.hostname, error: (err as Error).message });
        }
      }
    }),
  );
  return result;
}
