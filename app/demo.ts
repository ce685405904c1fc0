import path from 'node:path';
import { nextConfigEdit } from '../simulator/config-files.ts';
import { registerFleet } from '../simulator/register.ts';
import { startFleet } from '../simulator/simulator.ts';
import type { Logger } from '../platform/logger.ts';
import { runEmbedded } from './main.ts';
import type { RunningSystem } from './system.ts';
import { ownerContext } from '../services/device-service.ts';

/**
 * `infra demo` / `npm run demo`: the embedded system with six simulated devices (simulator), so a
 * newcomer sees live metrics, containers, a failing drive, a resilvering (degraded) pool, config changes
 * and a held destructive command without servers of their own. The devices' clock runs 150× fast: the
 * pool is resilvering (DEGRADED) from the start for about 48 s, the drive turns to warning after about
 * 48 s (failed after about 10 minutes), and each device with compose files or SWAG proxy confs edits
 * one every 30–90 device minutes (12–36 s here), which its config watcher (on, as polling is) stores.
 * Data goes to ./data-demo unless INFRA_DATA_DIR says otherwise, away from a real installation's.
 */
const DEVICES = 6;
const SPEED = 150;

async function startDemoFleet(system: RunningSystem, logger: Logger): Promise<() => Promise<void>> {
  const started = Date.now();
  const fleet = await startFleet({
    count: DEVICES,
    seed: 7,
    // Free ports on 127.0.0.1: the demo must not collide with a benchmark's fleet on 127.0.1.x:2222.
    host: '127.0.0.1',
    firstPort: 0,
    dir: path.resolve(process.env.INFRA_DATA_DIR ?? 'data-demo', 'fleet'),
    clock: () => started + (Date.now() - started) * SPEED,
  });
  const registered = await registerFleet(system.apiUrl!, fleet);
  if (registered.failed.length > 0) logger.warn('some demo devices were not registered', { failed: registered.failed });

  const ctx = ownerContext('system');
  const failing = fleet.devices.find((d) => d.profile.scenarios.degradingDrive);
  const resilvering = fleet.devices.find((d) => d.profile.scenarios.resilveringPool);
  const dockerHost = fleet.devices.find((d) => d.profile.capabilities.docker)?.hostname;
  // The device to watch for config changes: inotify shows them at once; the quickest editor first.
  const editors = fleet.devices
    .filter((d) => nextConfigEdit(d.profile, Date.now() / 1000) !== null)
    .sort(
      (a, b) =>
        Number(b.profile.capabilities.inotifywait) - Number(a.profile.capabilities.inotifywait) ||
        a.profile.configEdits.periodSeconds - b.profile.configEdits.periodSeconds,
    );
  const editor = editors[0];
  // As an agent over MCP would: the person running the demo (the local owner) then releases it with the CLI.
  const agent = {
    ...ctx,
    trigger: 'mcp' as const,
    principal: {
      id: 'demo-agent',
      name: 'demo agent',
      kind: 'mcp_session' as const,
      scopes: ['read', 'operate'] as const,
    },
  };
  const held = dockerHost ? await system.operations.exec(dockerHost, 'docker stop $(docker ps -q)', agent) : null;

  const api = system.apiUrl!;
  const lines = [
    '',
    `infrastructor demo: ${fleet.devices.length} simulated devices (their clock runs ${SPEED}x)`,
    `  devices           curl ${api}/api/devices`,
    ...fleet.devices.slice(0, 2).map((d) => `  metrics           curl ${api}/api/devices/${d.hostname}/metrics`),
    ...(dockerHost ? [`  containers        curl ${api}/api/devices/${dockerHost}/containers`] : []),
    ...(failing
      ? [
          `  failing drive     curl '${api}/api/devices/${failing.hostname}/drives?force_refresh=true'   (${failing.profile.scenarios.degradingDrive}: warning after about 50 s, failed after about 10 min)`,
        ]
      : []),
    ...(resilvering
      ? [
          `  degraded pool     curl '${api}/api/devices/${resilvering.hostname}/zfs?force_refresh=true'   (${resilvering.profile.scenarios.resilveringPool}: DEGRADED while it resilvers, about 50 s)`,
        ]
      : []),
    ...(editor
      ? [
          `  config changes    curl '${api}/api/config/changes?device=${editor.hostname}'   (${editor.hostname} edits a compose file or proxy conf about every ${Math.round(editor.profile.configEdits.periodSeconds / SPEED)} s; ${editors.length} devices edit theirs)`,
          `                    node bin/infra.mjs config changes   |   node bin/infra.mjs config files ${editor.hostname}`,
        ]
      : []),
    ...(held?.state === 'awaiting_confirmation' && held.assessment
      ? [
          `  held command      ${held.command} on ${held.device}, asked by a demo agent: risk ${held.assessment.risk_level}`,
          `                    curl ${api}/api/operations/${held.operation_id}   (you, the local owner, see its phrase)`,
          `                    node bin/infra.mjs confirm ${held.operation_id}   (shows the phrase and asks you to type it; or: cancel)`,
        ]
      : []),
    `  MCP               ${system.mcpUrl}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return () => fleet.stop();
}

await runEmbedded({ ...process.env, INFRA_DATA_DIR: process.env.INFRA_DATA_DIR ?? 'data-demo' }, startDemoFleet);
