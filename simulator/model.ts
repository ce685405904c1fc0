import type { ContainerSpec, DeviceProfile } from './profile.ts';
import { dice, hashText } from './random.ts';
import type { CpuCounters } from '../domain/collectors/metrics.ts';

/**
 * The part of a simulated device that changes: CPU, interrupt and network counters that only grow,
 * the load curve, and the containers' lives. Counters are integrated step by step up to the time asked
 * for (never backwards), so a clock that jumps a day ahead gives the counters of a day. Events come from
 * `dice` per time slot, so they happen whether or not anyone polls.
 */

/** Kernel clock ticks per second in /proc/stat (USER_HZ is 100 on every Linux architecture we meet). */
export const USER_HZ = 100;
/** Integration step: the load curve is sampled at least this often between two answers. */
const STEP_SECONDS = 300;
/** Bounds the work of one jump of the clock; longer jumps take longer steps. */
const MAX_STEPS = 2000;
/** Container events (restart, crash, unhealthy spell) are drawn once per slot. */
export const CONTAINER_SLOT_SECONDS = 300;
/** A jump of the clock further than this skips the container events of the time before. */
const MAX_CONTAINER_HISTORY_SECONDS = 30 * 86_400;

/** Per container and slot; together about one event per container and day. */
const P_RESTART = 0.004;
const P_CRASH = 0.0012;
const P_RESTART_LOOP = 0.0004;
const P_UNHEALTHY = 0.003;
const CRASH_EXIT_CODES = [1, 137, 139, 143, 255];

/** The /proc/stat fields the simulator advances (guest time is always 0 here). */
export type CpuTicks = Omit<CpuCounters, 'guest' | 'guest_nice'>;

export interface NetCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxDropped: number;
}

export type ContainerStatus = 'running' | 'exited' | 'restarting';

export interface ContainerRuntime {
  spec: ContainerSpec;
  removed: boolean;
  status: ContainerStatus;
  /** Unix seconds. */
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  restartCount: number;
  /** When a crashed or restart-looping container comes back by itself; Infinity while it stays as it is. */
  recoversAt: number;
  unhealthyUntil: number;
  /** Stopped by an operator: it stays stopped and no events touch it until it is started again. */
  manual: boolean;
  nextSlot: number;
}

export type DockerAction = 'start' | 'stop' | 'restart' | 'rm';

export class DeviceModel {
  /** Per-device seed for `dice`: the same fleet seed and hostname give the same history. */
  readonly seed: number;
  readonly cpu: CpuTicks;
  readonly net = new Map<string, NetCounters>();
  readonly containers: ContainerRuntime[];
  forks: number;
  contextSwitches: number;
  interrupts: number;
  private now: number;

  constructor(
    readonly profile: DeviceProfile,
    fleetSeed: number,
    /** Unix seconds at which the fleet started; scenarios count from here. */
    readonly startTime: number,
  ) {
    this.seed = hashText(`${fleetSeed}/${profile.hostname}/events`);
    this.now = startTime;
    // Counters since boot, as if the load had sat at its base all along.
    const uptime = startTime - profile.bootTime;
    this.cpu = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
    this.forks = 1000;
    this.contextSwitches = 0;
    this.interrupts = 0;
    for (const iface of profile.interfaces)
      this.net.set(iface.name, { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, rxDropped: 0 });
    this.accumulate(profile.load.base, uptime);
    const firstSlot = Math.floor(startTime / CONTAINER_SLOT_SECONDS) + 1;
    this.containers = profile.containers.map((spec) => ({
      spec,
      removed: false,
      status: 'running',
      startedAt: spec.startedAt,
      finishedAt: 0,
      exitCode: 0,
      restartCount: spec.restartCount,
      recoversAt: Infinity,
      unhealthyUntil: 0,
      manual: false,
      nextSlot: firstSlot,
    }));
  }

  /** Brings counters and container lives up to `t` (Unix seconds); returns the device time, which never goes back. */
  advanceTo(t: number): number {
    const remaining = t - this.now;
    if (remaining > 0) {
      const steps = Math.min(MAX_STEPS, Math.ceil(remaining / STEP_SECONDS));
      const dt = remaining / steps;
      for (let i = 0; i < steps; i++) this.accumulate(this.busy(this.now + dt * (i + 0.5)), dt);
      this.now = t;
    }
    this.advanceContainers(this.now);
    return this.now;
  }

  /**
   * Share of CPU time busy at `t`: a daily curve peaking at the device's busy hour, plus bursts (a
   * backup, a transcode, a compile) in some ten-minute slots.
   */
  busy(t: number): number {
    const { base, amplitude, peakHour } = this.profile.load;
    const hour = (t / 3600) % 24;
    const daily = amplitude * Math.cos(((hour - peakHour) / 24) * 2 * Math.PI);
    const slot = Math.floor(t / 600);
    const burst = dice(this.seed, 7, slot) < 0.06 ? 0.2 + 0.5 * dice(this.seed, 8, slot) : 0;
    return Math.min(0.97, Math.max(0.005, base + daily + burst));
  }

  private accumulate(busyFraction: number, dt: number): void {
    const { cores, virtual, load } = this.profile;
    const total = dt * USER_HZ * cores;
    const busy = total * busyFraction;
    const steal = virtual ? total * 0.008 : 0;
    const iowait = Math.min(busy * load.iowait, total - busy - steal);
    this.cpu.user += busy * 0.7;
    this.cpu.nice += busy * 0.02;
    this.cpu.system += busy * 0.21;
    this.cpu.irq += busy * 0.01;
    this.cpu.softirq += busy * 0.06;
    this.cpu.steal += steal;
    this.cpu.iowait += iowait;
    this.cpu.idle += Math.max(0, total - busy - steal - iowait);
    this.forks += dt * (0.3 + 4 * busyFraction);
    this.contextSwitches += dt * cores * (600 + 5000 * busyFraction);
    this.interrupts += dt * cores * (250 + 2500 * busyFraction);
    const traffic = 0.4 + 1.5 * busyFraction;
    for (const iface of this.profile.interfaces) {
      const counters = this.net.get(iface.name);
      if (!counters || !iface.up || !iface.carrier) continue;
      const rx = iface.rxBytesPerSecond * dt * traffic;
      const tx = iface.txBytesPerSecond * dt * traffic;
      counters.rxBytes += rx;
      counters.txBytes += tx;
      // Mostly full-size frames one way and ACKs the other.
      counters.rxPackets += rx / 900;
      counters.txPackets += tx / 700;
      counters.rxDropped += rx / 5e8;
    }
  }

  private advanceContainers(t: number): void {
    this.containers.forEach((c, index) => {
      if (c.removed || c.spec.nightlyJob) return;
      c.nextSlot = Math.max(c.nextSlot, Math.floor((t - MAX_CONTAINER_HISTORY_SECONDS) / CONTAINER_SLOT_SECONDS));
      for (;;) {
        const eventAt = (c.nextSlot + dice(this.seed, index, c.nextSlot, 0)) * CONTAINER_SLOT_SECONDS;
        if (c.recoversAt <= Math.min(eventAt, t)) this.recover(c, c.recoversAt);
        if (eventAt > t) return;
        const roll = dice(this.seed, index, c.nextSlot, 1);
        const length = (max: number) =>
          (1 + Math.floor(dice(this.seed, index, c.nextSlot, 2) * max)) * CONTAINER_SLOT_SECONDS;
        c.nextSlot += 1;
        if (c.manual || c.status !== 'running') continue;
        if (roll < P_RESTART) {
          c.restartCount += 1;
          c.startedAt = eventAt;
        } else if (roll < P_RESTART + P_CRASH) {
          c.status = 'exited';
          c.exitCode =
            CRASH_EXIT_CODES[Math.floor(dice(this.seed, index, c.nextSlot, 3) * CRASH_EXIT_CODES.length)] ?? 1;
          c.finishedAt = eventAt;
          c.recoversAt = eventAt + length(24);
        } else if (roll < P_RESTART + P_CRASH + P_RESTART_LOOP) {
          c.status = 'restarting';
          c.exitCode = 1;
          c.finishedAt = eventAt;
          c.recoversAt = eventAt + length(4);
        } else if (roll < P_RESTART + P_CRASH + P_RESTART_LOOP + P_UNHEALTHY && c.spec.healthcheck) {
          c.unhealthyUntil = eventAt + length(6);
        }
      }
    });
  }

  private recover(c: ContainerRuntime, at: number): void {
    // Docker's restart policy backs off from 100 ms doubling up to a minute: count the attempts a loop made.
    if (c.status === 'restarting') c.restartCount += Math.max(1, Math.floor((at - c.finishedAt) / 60));
    else c.restartCount += 1;
    c.status = 'running';
    c.startedAt = at;
    c.recoversAt = Infinity;
  }

  /** The device-visible state of a container at `t`: nightly jobs run from 02:00 UTC (plus jitter) for a while. */
  containerView(
    c: ContainerRuntime,
    t: number,
  ): Pick<ContainerRuntime, 'status' | 'startedAt' | 'finishedAt' | 'exitCode' | 'restartCount'> {
    if (!c.spec.nightlyJob || c.manual) return c;
    const day = Math.floor(t / 86_400);
    const runAt = (d: number) => d * 86_400 + 2 * 3600 + Math.floor(dice(this.seed, 11, d) * 1800);
    const runFor = (d: number) => 900 + Math.floor(dice(this.seed, 12, d) * 2700);
    const start = runAt(day) <= t ? runAt(day) : runAt(day - 1);
    const startDay = start === runAt(day) ? day : day - 1;
    const end = start + runFor(startDay);
    return t < end
      ? { status: 'running', startedAt: start, finishedAt: 0, exitCode: 0, restartCount: 0 }
      : { status: 'exited', startedAt: start, finishedAt: end, exitCode: 0, restartCount: 0 };
  }

  containerHealth(c: ContainerRuntime, t: number): 'starting' | 'healthy' | 'unhealthy' | null {
    if (!c.spec.healthcheck) return null;
    const view = this.containerView(c, t);
    if (view.status === 'restarting') return 'starting';
    if (view.status === 'exited') return 'unhealthy';
    if (t - view.startedAt < 45) return 'starting';
    return t < c.unhealthyUntil ? 'unhealthy' : 'healthy';
  }

  /** Finds a container the way docker does: by name or by a prefix of its id. */
  findContainer(nameOrId: string): ContainerRuntime | undefined {
    const live = this.containers.filter((c) => !c.removed);
    return (
      live.find((c) => c.spec.name === nameOrId) ??
      (nameOrId.length >= 3 ? live.find((c) => c.spec.id.startsWith(nameOrId)) : undefined)
    );
  }

  /** What `docker ACTION NAME` does to the container; returns the daemon's error, if any. */
  dockerAction(action: DockerAction, c: ContainerRuntime, t: number, force: boolean): string | null {
    const running = this.containerView(c, t).status !== 'exited';
    switch (action) {
      case 'start':
      case 'restart':
        if (action === 'start' && running) return null;
        // A scheduled job started by hand runs until stopped by hand; anything else is back to normal life.
        Object.assign(c, {
          status: 'running',
          startedAt: t,
          recoversAt: Infinity,
          unhealthyUntil: 0,
          manual: c.spec.nightlyJob === true,
        });
        return null;
      case 'stop':
        Object.assign(c, { status: 'exited', exitCode: 0, finishedAt: t, recoversAt: Infinity, manual: true });
        return null;
      case 'rm':
        if (running && !force) {
          return `Error response from daemon: cannot remove container "/${c.spec.name}": container is running: stop the container before removing or force remove`;
        }
        c.removed = true;
        return null;
    }
  }
}
