import { shellQuote } from '../domain/ssh/quote.ts';
import type { ContainerActionRequest } from '../schema/container-action.ts';
import { GuestActionTarget, QEMU_ONLY_GUEST_ACTIONS } from '../schema/guest-action.ts';
import type { LogWindow } from '../schema/log-request.ts';

/**
 * The shell commands behind the structured actions. They are ordinary command lines on purpose: they
 * go through the same operation workflow as a typed command, so the protection judges `docker rm -v a b`
 * the same whether a person typed it or a button built it. Every argument is validated upstream and
 * quoted here.
 */

const quoteAll = (values: readonly string[]) => values.map(shellQuote).join(' ');

/** docker accepts Go durations (no days) or RFC 3339. */
function dockerSince(since: string): string {
  const match = /^(\d+)([smhd])$/.exec(since);
  if (!match) return since;
  return match[2] === 'd' ? `${Number(match[1]) * 24}h` : since;
}

/** journalctl takes `-15m` style relative times, and absolute ones as `YYYY-MM-DD HH:MM:SS UTC`. */
function journalSince(since: string): string {
  if (/^\d+[smhd]$/.test(since)) return `-${since}`;
  return `${new Date(since).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function containerActionCommand(request: ContainerActionRequest): string {
  const names = quoteAll(request.containers);
  switch (request.action) {
    case 'start':
      return `docker start ${names}`;
    case 'stop':
    case 'restart':
      return `docker ${request.action}${request.timeout_seconds === undefined ? '' : ` -t ${request.timeout_seconds}`} ${names}`;
    case 'remove':
      return `docker rm${request.force ? ' -f' : ''}${request.volumes ? ' -v' : ''} ${names}`;
    case 'inspect':
      return `docker container inspect ${names}`;
    case 'logs': {
      const since = request.since === undefined ? '' : ` --since ${shellQuote(dockerSince(request.since))}`;
      return `docker logs --tail ${request.tail}${since}${request.timestamps ? ' --timestamps' : ''} ${names}`;
    }
    case 'exec':
      // `--` would be read as the command by docker; sh -c takes the command as one quoted word.
      return `docker exec ${names} sh -c ${shellQuote(request.command ?? '')}`;
  }
}

export function unitLogsCommand(unit: string, window: LogWindow): string {
  const since = window.since === undefined ? '' : ` --since ${shellQuote(journalSince(window.since))}`;
  return `journalctl --no-pager --output=short-iso --lines=${window.tail}${since} --unit=${shellQuote(unit)}`;
}

export function zfsSnapshotCommand(snapshot: string, recursive: boolean): string {
  return `zfs snapshot${recursive ? ' -r' : ''} ${shellQuote(snapshot)}`;
}

/**
 * `qm ACTION VMID` for a VM, `pct ACTION VMID` for a container; suspend and resume exist for VMs only.
 * Parsed again here because the action is written into the command line as it is.
 */
export function guestActionCommand(target: GuestActionTarget): string {
  const { vmid, type, action, sudo } = GuestActionTarget.parse(target);
  if (type === 'lxc' && QEMU_ONLY_GUEST_ACTIONS.includes(action)) {
    throw new Error(`${action} applies to QEMU virtual machines only, not to LXC container ${vmid}`);
  }
  return `${sudo ? 'sudo -n ' : ''}${type === 'qemu' ? 'qm' : 'pct'} ${action} ${shellQuote(String(vmid))}`;
}
