import { readdirSync, readFileSync } from 'node:fs';

/**
 * Memory of a process and all its descendants, read from Linux's /proc (the benchmark's figures are Linux-only;
 * elsewhere every reading is null).
 *
 * VmHWM is the kernel's own peak of a process's resident set, so a short spike between two samples is not missed;
 * it is read while the process is still alive (once it exits the figure is gone), hence the periodic sampling.
 */

/** One reading of /proc/<pid>/status, bytes. */
export interface ProcMemory {
  pid: number;
  /** The command line, for the report. */
  command: string;
  /** Peak resident set (VmHWM). */
  peakRss: number;
  /** Resident set now (VmRSS), and its parts: anonymous memory and file-backed pages (e.g. an mmapped model). */
  rss: number;
  rssAnon: number;
  rssFile: number;
}

/** Reads /proc/<pid>/status; null if the process is gone or /proc is unavailable. */
export function readProcMemory(pid: number): ProcMemory | null {
  let status: string;
  let command = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return null;
  }
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { pid, command, peakRss: kib('VmHWM'), rss: kib('VmRSS'), rssAnon: kib('RssAnon'), rssFile: kib('RssFile') };
}

/** `pid` and every live descendant (by scanning /proc/<n>/stat for parent ids). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may contain spaces and parentheses; the parent id follows the last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // the process exited while we looked
    }
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Peak memory of a process tree over a period. */
export interface TreeMemoryPeak {
  /** Every process seen, with its last reading (its `peakRss` is that process's peak up to then). */
  processes: ProcMemory[];
  /**
   * The peak of the tree: the largest sum, over one sample, of the VmHWM of the processes alive at that sample. It
   * catches a spike between samples (VmHWM) without adding up processes that never lived at the same time.
   */
  peakRss: number;
  /** The largest sum of current RSS (VmRSS) seen at one sample. */
  peakSampledRss: number;
}

/**
 * The benchmark runs TypeScript through tsx, which starts an esbuild service process next to every worker; the
 * shipped app is bundled and has none, so it is left out of the figures.
 */
export const isBenchTooling = (command: string): boolean => /[\\/]@esbuild[\\/]|[\\/]esbuild --service/.test(command);

/** Samples a process tree every `intervalMs` until `stop()`. */
export class TreeMemorySampler {
  readonly #root: number;
  readonly #latest = new Map<number, ProcMemory>();
  #peakRss = 0;
  #peakSampledRss = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(rootPid: number, intervalMs = 200) {
    this.#root = rootPid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Take a reading now (call it right before the processes exit). */
  sample(): void {
    let peaks = 0;
    let current = 0;
    for (const pid of processTree(this.#root)) {
      const reading = readProcMemory(pid);
      if (!reading || isBenchTooling(reading.command)) continue;
      this.#latest.set(pid, reading);
      peaks += reading.peakRss;
      current += reading.rss;
    }
    this.#peakRss = Math.max(this.#peakRss, peaks);
    this.#peakSampledRss = Math.max(this.#peakSampledRss, current);
  }

  /** Stop sampling and return the peaks. */
  stop(): TreeMemoryPeak {
    clearInterval(this.#timer);
    return { processes: [...this.#latest.values()], peakRss: this.#peakRss, peakSampledRss: this.#peakSampledRss };
  }
}
