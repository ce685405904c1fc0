import { z } from 'zod';
import type { Collector } from './collector.ts';
import { CollectorParseError } from './parse-error.ts';
import { END_MARKER, excerptOf, round2, type Sections, splitSections } from './sections.ts';

/**
 * The processes using the most CPU and the most memory, from procps `ps auxww` (every process, BSD user
 * format, unlimited width). Its columns are fixed and never contain spaces except the last one, COMMAND
 * (the full argument list), so each line splits into ten fields and the command: no guessing where a
 * process name with a space in it ends. Sorting and cutting happen on the device (`--sort`, `head`) so a
 * host with thousands of processes answers with a few dozen lines; the parser still sorts itself.
 *
 * %CPU is what ps computes: CPU time over the process's lifetime (not a momentary sample), so a process
 * near 100 % has kept a core busy since it started. busybox ps knows neither the columns nor `--sort`;
 * such a device answers "not available" rather than a list we cannot read.
 */

const DATA_TYPE = 'processes';
/** How many processes each list keeps. */
export const TOP_PROCESSES = 15;
/** Longer command lines (a Java class path...) are cut: the start says what the process is. */
const MAX_COMMAND_LENGTH = 500;

export const ProcessInfo = z.object({
  pid: z.number(),
  user: z.string(),
  /** ps %CPU: CPU time over elapsed time since the process started; above 100 on several cores. */
  cpu_percent: z.number().describe('percent of one core, CPU time over elapsed time since the process started'),
  memory_percent: z.number().describe('percent of physical memory (resident)'),
  rss_bytes: z.number().describe('bytes'),
  vsz_bytes: z.number().describe('bytes'),
  /** ps STAT, e.g. `Ssl`, `R+`, `Z`. */
  state: z.string(),
  tty: z.string().nullable(),
  /** ps START as printed: `10:25` today, `Oct25` this year, `2019` before. */
  started: z.string(),
  cpu_time_seconds: z.number().describe('seconds'),
  /** The program: a kernel thread's name without brackets, else the base name of the first word. */
  name: z.string(),
  command: z.string(),
});
export type ProcessInfo = z.infer<typeof ProcessInfo>;

export const ProcessesData = z.object({
  available: z.boolean(),
  /** Why there is no list, when there is none. */
  reason: z.string().optional(),
  /** Most CPU first, at most TOP_PROCESSES. */
  top_cpu: z.array(ProcessInfo),
  /** Most resident memory first, at most TOP_PROCESSES. */
  top_memory: z.array(ProcessInfo),
});
export type ProcessesData = z.infer<typeof ProcessesData>;

const PS = `ps auxww`;
const COMMAND = [
  'export LC_ALL=C',
  // procps prints its name and version; busybox ps rejects the option.
  `if ! ps --version 2>/dev/null | grep -q procps; then echo @@no-procps; echo ${END_MARKER}; exit 0; fi`,
  'echo @@by-cpu',
  `${PS} --sort=-%cpu | head -n ${TOP_PROCESSES + 1}`,
  'echo @@by-memory',
  `${PS} --sort=-rss | head -n ${TOP_PROCESSES + 1}`,
  `echo ${END_MARKER}`,
].join('\n');

const HEADER = /^USER\s+PID\s+%CPU\s+%MEM\s+VSZ\s+RSS\s+TTY\s+STAT\s+START\s+TIME\s+COMMAND$/;
/** USER PID %CPU %MEM VSZ RSS TTY STAT START TIME, then the command (which may be empty for a zombie). */
const ROW =
  /^(\S+)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+):(\d{2})(?:\s(.*))?$/;

function parseError(message: string, excerpt?: string): CollectorParseError {
  return new CollectorParseError(DATA_TYPE, message, excerpt === undefined ? undefined : excerptOf(excerpt));
}

/** `[kworker/0:1H]` → `kworker/0:1H`; `/usr/sbin/sshd -D` → `sshd`; `sshd: kbrazil [priv]` → `sshd:`. */
function programName(command: string): string {
  const kernelThread = /^\[(.+)\]$/.exec(command);
  if (kernelThread?.[1]) return kernelThread[1];
  const first = command.split(' ', 1)[0] ?? '';
  return first.slice(first.lastIndexOf('/') + 1) || first;
}

function parseRow(line: string): ProcessInfo {
  const m = ROW.exec(line.trimEnd());
  if (!m) throw parseError('unreadable ps line', line);
  const [
    ,
    user = '',
    pid = '',
    cpu = '',
    mem = '',
    vsz = '',
    rss = '',
    tty = '',
    stat = '',
    start = '',
    minutes = '',
    seconds = '',
    command = '',
  ] = m;
  const trimmed = command.trim();
  return {
    pid: Number(pid),
    user,
    cpu_percent: Number(cpu),
    memory_percent: Number(mem),
    rss_bytes: Number(rss) * 1024,
    vsz_bytes: Number(vsz) * 1024,
    state: stat,
    tty: tty === '?' ? null : tty,
    started: start,
    cpu_time_seconds: Number(minutes) * 60 + Number(seconds),
    name: programName(trimmed),
    command: trimmed.length > MAX_COMMAND_LENGTH ? `${trimmed.slice(0, MAX_COMMAND_LENGTH)}…` : trimmed,
  };
}

function parseListing(sections: Sections, name: string): ProcessInfo[] {
  const [header, ...rows] = sections.nonEmptyLines(name);
  if (!header || !HEADER.test(header.trim())) throw parseError(`@@${name}: not the header of ps aux`, header);
  // ps always lists at least itself and the shell running it.
  if (rows.length === 0) throw parseError(`@@${name}: ps listed no processes`);
  return rows.map(parseRow);
}

function top(processes: readonly ProcessInfo[], key: (p: ProcessInfo) => number): ProcessInfo[] {
  return [...processes].sort((a, b) => key(b) - key(a) || a.pid - b.pid).slice(0, TOP_PROCESSES);
}

export const processesCollector: Collector<ProcessesData> = {
  dataType: DATA_TYPE,
  tool: {
    name: 'get_processes',
    title: 'Top processes',
    description:
      "The 15 processes using the most CPU and the 15 using the most resident memory (procps ps): PID, user, %CPU (CPU time over the process's lifetime, as ps computes it), %MEM, RSS, state, CPU time and command line. A device with busybox ps answers available false. Cached for up to 60 s.",
  },
  description: `the ${TOP_PROCESSES} processes with the most CPU and the ${TOP_PROCESSES} with the most resident memory (\`ps auxww --sort\`, procps; %CPU is ps's lifetime average): PID, user, %CPU, %MEM, RSS, state, CPU time, command; busybox \`ps\` is "not available"`,
  schema: ProcessesData,
  freshnessSeconds: 60,
  pollIntervalSeconds: 300,
  commandTimeoutMs: 15_000,
  retentionDays: 7,
  unavailableOutput: `@@no-procps\n${END_MARKER}\n`,
  table: 'processes_snapshots',

  command: () => COMMAND,

  parse(output) {
    const sections = splitSections(DATA_TYPE, output);
    if (sections.has('no-procps')) {
      return {
        available: false,
        reason: 'ps is not procps (busybox ps cannot sort or print these columns)',
        top_cpu: [],
        top_memory: [],
      };
    }
    const byPid = new Map<number, ProcessInfo>();
    for (const p of [...parseListing(sections, 'by-cpu'), ...parseListing(sections, 'by-memory')]) byPid.set(p.pid, p);
    const all = [...byPid.values()];
    return { available: true, top_cpu: top(all, (p) => p.cpu_percent), top_memory: top(all, (p) => p.rss_bytes) };
  },

  columns(data) {
    const [cpu] = data.top_cpu;
    const [memory] = data.top_memory;
    return {
      top_cpu_percent: cpu ? round2(cpu.cpu_percent) : null,
      top_cpu_name: cpu?.name ?? null,
      top_rss_bytes: memory?.rss_bytes ?? null,
      top_rss_name: memory?.name ?? null,
    };
  },
};
