import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { processTree } from './engine/proc-memory';

/**
 * How busy the machine was with other work while a benchmark ran, so a reader can judge its figures: the load
 * averages, and — on Linux — the share of all CPUs that processes outside the benchmark's own tree (the benchmark,
 * its Chromium, its host) used, from /proc. Timing figures taken on a shared machine are noisy; this says how much.
 */

/** CPU time counters at one moment, in clock ticks (USER_HZ) as /proc reports them. */
export interface CpuSnapshot {
  /** Wall clock, ms. */
  at: number;
  /** Busy ticks of all CPUs together (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All ticks of all CPUs together (busy, idle, iowait). */
  total: number;
  /** Ticks used by the benchmark's process tree (its own and those of its reaped children). */
  own: number;
  /** The 1, 5 and 15 minute load averages. */
  loadAverage: [number, number, number];
}

/** What the machine did between two snapshots. */
export interface MachineLoad {
  cores: number;
  seconds: number;
  /** Load averages at the start and at the end. */
  loadAtStart: [number, number, number];
  loadAtEnd: [number, number, number];
  /** Share (0–1) of all CPUs' time used by other processes; null where /proc is missing. */
  othersShare: number | null;
  /** Share (0–1) of all CPUs' time used by the benchmark's own process tree; null where /proc is missing. */
  ownShare: number | null;
  /** Whether the figures can be taken as a quiet machine's (see {@link isQuiet}). */
  quiet: boolean;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The counters now (busy/total/own 0 where /proc is missing). */
export function cpuSnapshot(rootPid = process.pid): CpuSnapshot {
  const [one, five, fifteen] = loadavg();
  const snapshot: CpuSnapshot = { at: Date.now(), busy: 0, total: 0, own: 0, loadAverage: [round2(one ?? 0), round2(five ?? 0), round2(fifteen ?? 0)] };
  try {
    const fields = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    snapshot.busy = user + nice + system + irq + softirq + steal;
    snapshot.total = snapshot.busy + idle + iowait;
  } catch {
    return snapshot;
  }
  for (const pid of processTree(rootPid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = (field: number): number => Number(after[field - 3] ?? 0);
      snapshot.own += ticks(14) + ticks(15) + ticks(16) + ticks(17); // utime, stime, cutime, cstime
    } catch {
      // the process exited while we looked
    }
  }
  return snapshot;
}

/**
 * A machine is quiet enough for the figures when other processes used under 10% of all CPUs' time and, at the start,
 * the 1-minute load average was under a quarter of the cores.
 */
export function isQuiet(othersShare: number | null, loadAtStart: readonly number[], cores: number): boolean {
  return othersShare !== null && othersShare < 0.1 && (loadAtStart[0] ?? Number.POSITIVE_INFINITY) < cores / 4;
}

/** What happened between `before` and `after`. */
export function machineLoad(before: CpuSnapshot, after: CpuSnapshot, cores = availableParallelism()): MachineLoad {
  const total = after.total - before.total;
  const busy = after.busy - before.busy;
  const own = after.own - before.own;
  const known = total > 0;
  const ownShare = known ? round2(Math.min(1, Math.max(0, own / total))) : null;
  const othersShare = known ? round2(Math.min(1, Math.max(0, (busy - own) / total))) : null;
  return {
    cores,
    seconds: Math.round((after.at - before.at) / 100) / 10,
    loadAtStart: before.loadAverage,
    loadAtEnd: after.loadAverage,
    othersShare,
    ownShare,
    quiet: isQuiet(othersShare, before.loadAverage, cores),
  };
}

/** One line for the report: "load average 2.31 / 2.30 / 5.03 at the start …; other processes used 45% …: NOT quiet". */
export function describeLoad(load: MachineLoad): string {
  const averages = (values: readonly number[]): string => values.map((value) => value.toFixed(2)).join(' / ');
  const share = (value: number | null): string => (value === null ? '?' : `${Math.round(value * 100)}%`);
  return (
    `load average (1 / 5 / 15 min) ${averages(load.loadAtStart)} at the start, ${averages(load.loadAtEnd)} at the end; ` +
    `over ${load.seconds} s other processes used ${share(load.othersShare)} of the ${load.cores} CPUs' time, this benchmark ${share(load.ownShare)}: ` +
    (load.quiet ? 'a quiet machine' : 'NOT a quiet machine — timing figures are noisy; run again when it is idle')
  );
}
