import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** The kernel's name for it (/proc/<pid>/comm): `node`, `temporal`, `postgres`, `sh`… */
  comm: string;
  zombie: boolean;
  /** CPU time in clock ticks: its own (utime, stime) and that of children it has reaped (cutime, cstime). */
  cpuTicks: number;
}

/** Every process on the machine (Linux /proc); an unreaped zombie has exited and counts as gone. */
export function processes(): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state = '', ppid = '0', pgid = '0'] = fields;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const cpuTicks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    all.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), comm, zombie: state === 'Z', cpuTicks });
  }
  return all;
}

/** `pid` and everything it started, however deep (servers in sessions of their own included). */
export function descendantsOf(pid: number, all: ProcessInfo[] = processes()): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...all.filter((p) => p.ppid === found[i]).map((p) => p.pid));
  return found;
}
