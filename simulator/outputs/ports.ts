import { parsePublishedPorts } from '../../domain/collectors/containers.ts';
import { END_MARKER } from '../../domain/collectors/sections.ts';
import { runSection, section } from '../format.ts';
import type { DeviceModel } from '../model.ts';
import { psLine } from './containers.ts';

/**
 * `ss -tulpnH` for the ports collector, run as root: sshd on port 22, and a docker-proxy listener for
 * every host port a running container publishes (the same ports `docker ps` shows).
 */
export function portsOutput(model: DeviceModel, t: number): string {
  const lines = [
    'tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=812,fd=3))',
    'tcp   LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=812,fd=4))',
  ];
  const psLines: string[] = [];
  if (model.profile.capabilities.docker) {
    let pid = 20000;
    for (const c of model.containers) {
      if (c.removed || model.containerView(c, t).status !== 'running') continue;
      psLines.push(psLine(model, c, t));
      for (const p of parsePublishedPorts(c.spec.ports, (message) => new Error(message))) {
        if (p.host_port === undefined) continue;
        const local = p.host_ip?.includes(':')
          ? `[${p.host_ip}]:${p.host_port}`
          : `${p.host_ip ?? '0.0.0.0'}:${p.host_port}`;
        const state = p.protocol === 'udp' ? 'UNCONN' : 'LISTEN';
        lines.push(
          `${p.protocol}   ${state} 0      4096  ${local.padStart(16)}  ${p.host_ip?.includes(':') ? '[::]:*' : '0.0.0.0:*'}    users:(("docker-proxy",pid=${pid++},fd=7))`,
        );
      }
    }
  }
  return [
    section('uid', '0'),
    runSection('ss', lines.join('\n')),
    ...(model.profile.capabilities.docker ? [runSection('docker', psLines.join('\n'))] : []),
    `${END_MARKER}\n`,
  ].join('');
}
