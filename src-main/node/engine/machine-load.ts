import { cpus } from 'node:os';

/**
 * How busy the other programs keep the machine: CPU time spent by everything but this process, in cores, over the
 * time since the previous reading. Read in the engine process, whose own CPU time (llama.cpp's threads, spinning
 * included) is taken out, so the engine never mistakes itself for contention.
 *
 * From `os.cpus()` (per-core busy and idle time since boot: /proc/stat on Linux, the kernel's counters on macOS and
 * Windows) and `process.cpuUsage()`. A reading costs a few tens of microseconds; the engine takes one every few
 * hundred milliseconds while it evaluates.
 */
export class MachineLoad {
  #last: { busyMs: number; wallMs: number; ownMs: number } | null = null;
  readonly #readCpus: typeof cpus;
  readonly #ownUsage: () => NodeJS.CpuUsage;
  readonly #now: () => number;

  constructor(sources: { cpus?: typeof cpus; ownUsage?: () => NodeJS.CpuUsage; now?: () => number } = {}) {
    this.#readCpus = sources.cpus ?? cpus;
    this.#ownUsage = sources.ownUsage ?? (() => process.cpuUsage());
    this.#now = sources.now ?? (() => performance.now());
  }

  /**
   * The other programs' load since the last call, in cores (0 on an idle machine, about 1 with one core taken), or
   * `null` on the first call and when too little time has passed to tell (under 50 ms).
   */
  othersBusyCores(): number | null {
    const own = this.#ownUsage();
    const now = { busyMs: machineBusyMs(this.#readCpus()), wallMs: this.#now(), ownMs: (own.user + own.system) / 1000 };
    const last = this.#last;
    if (last !== null && now.wallMs - last.wallMs < 50) return null;
    this.#last = now;
    if (last === null) return null;
    const others = now.busyMs - last.busyMs - (now.ownMs - last.ownMs);
    return Math.max(0, others / (now.wallMs - last.wallMs));
  }
}

/** Busy (not idle) CPU time of every core since boot, in ms. */
function machineBusyMs(cores: ReturnType<typeof cpus>): number {
  let busy = 0;
  for (const { times } of cores) busy += times.user + times.nice + times.sys + times.irq;
  return busy;
}
