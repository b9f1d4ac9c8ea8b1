/**
 * How many threads llama.cpp evaluates with, chosen while it runs: all the cores the machine has when they are free,
 * fewer when another program takes one, and back up once it has gone.
 *
 * Why adaptive: llama.cpp's threads wait for each other at every step of a batch by spinning, so one thread that the
 * operating system preempts stalls all of them. Measured on two cores with Phi-2: two threads give ~12 tokens/s on
 * an idle machine but collapse to ~0.6 with one core busy elsewhere, where one thread keeps ~6.7. A fixed count is
 * wrong one way or the other; this policy reads the engine's own batch times and moves between the two.
 *
 * It is pure: it sees only what it is told — each batch's thread count, size and duration ({@link observe}), and how
 * busy the other programs keep the machine ({@link observeLoad}) — and the clock it is given, and answers with the
 * count to use for the next batch. The engine applies the answer (`llama.maxThreads`, see `llama-engine.ts`).
 *
 * The rules, per kind of batch (by size: one token — generation — or several — a prompt), whose per-token times differ:
 * - **Expected time** for a thread count is learned from its batches while the machine has room for them (the other
 *   programs leave that many cores free): the median per-token time of its last batches that were not slow — a
 *   median, so ordinary noise (±30% from token to token) is not mistaken for preemption, and recent, so it follows a
 *   context that grows (every token a little slower).
 * - **Preempted**: `slowBatches` batches in a row slower than `slowdown` × the expected time for the count in use —
 *   or, with nothing learned yet for it, run while the other programs leave no room for it — means one thread fewer
 *   (down to `minThreads`). A lone slow batch (a page fault, a garbage collection) changes nothing.
 * - **Probe up**: after `probeAfterMs` without slowness at a lower count, and only while the machine has a core free
 *   for one more thread, that count is tried for `probeBatches` batches; kept if their median is within `slowdown`
 *   of its expected time (or, never measured, faster than the lower count); undone at once on a first batch that is
 *   plainly slow. A failed probe doubles the wait for the next one (up to `maxProbeAfterMs`), so a machine that stays
 *   busy costs at most one slow batch per wait.
 * - **Never past the fastest**: a higher count that, measured on a free machine, is not faster than one thread fewer
 *   (hyper-threads, a machine whose memory bandwidth is the limit) is not tried again.
 */

/** One evaluated batch, as the engine saw it. */
export interface BatchSample {
  /** Threads it ran on. */
  threads: number;
  /** Tokens in the batch (1 for a generated token). */
  tokens: number;
  /** How long it took, in milliseconds. */
  ms: number;
}

export interface AdaptiveThreadsOptions {
  /** The most threads to use: the machine's cores for math (or the user's fixed count). */
  maxThreads: number;
  /** The cores the machine has (for reading the load); `maxThreads` by default. */
  cores?: number;
  /** The fewest; 1 by default. */
  minThreads?: number;
  /** A batch this many times slower than expected counts as slow; 1.6 by default. */
  slowdown?: number;
  /** Slow batches in a row that mean the engine is being preempted; 3 by default. */
  slowBatches?: number;
  /** Quiet time at a lower count before trying one thread more; 2 s by default. */
  probeAfterMs?: number;
  /** The longest wait between probes after failed ones; 30 s by default. */
  maxProbeAfterMs?: number;
  /** Batches a probe lasts; 4 by default. */
  probeBatches?: number;
  /** Other programs' load (in cores) below which a core counts as free for one of our threads; 0.5 by default. */
  freeCoreBelow?: number;
  /** The clock (ms); `performance.now` by default. */
  now?: () => number;
}

/** A change of thread count, and why (for the bench's timeline and the logs). */
export interface ThreadChange {
  at: number;
  from: number;
  to: number;
  reason: 'preempted' | 'busy' | 'probe' | 'probe-kept' | 'probe-failed' | 'not-faster';
}

/**
 * A kind of batch, by size: each size up to 16 tokens its own (small batches cost about the same whatever their size,
 * so their per-token times differ by the size), then one kind per power of two (large ones cost per token).
 */
type Kind = number;

/** Batches an expected time is the median of. */
const WINDOW = 31;
/** A higher count must be at least this much faster per token than one fewer to be worth it. */
const WORTH_IT = 0.97;

export class AdaptiveThreads {
  readonly #max: number;
  readonly #cores: number;
  readonly #min: number;
  readonly #slowdown: number;
  readonly #slowBatches: number;
  readonly #probeAfterMs: number;
  readonly #maxProbeAfterMs: number;
  readonly #probeBatches: number;
  readonly #freeCoreBelow: number;
  readonly #now: () => number;

  #current: number;
  /** Recent per-token ms of free, not slow batches, per kind, per thread count; the expected time is their median. */
  readonly #recent = new Map<Kind, Map<number, number[]>>();
  /** Other programs' load in cores, as last reported (0 until told). */
  #othersBusy = 0;
  #slowInARow = 0;
  /** Since when the count has run without slowness (the probe waits for this long a quiet). */
  #quietSince: number;
  #probeWait: number;
  /** A probe under way: the count it came from, and its samples of the first kind of batch it met. */
  #probe: { from: number; samples: number[]; kind: Kind | null } | null = null;
  /** The highest count worth using (lowered when a higher one proved no faster on a free machine). */
  #ceiling: number;
  readonly #changes: ThreadChange[] = [];

  constructor(options: AdaptiveThreadsOptions) {
    this.#max = Math.max(1, Math.floor(options.maxThreads));
    this.#cores = Math.max(1, options.cores ?? this.#max);
    this.#min = Math.min(this.#max, Math.max(1, Math.floor(options.minThreads ?? 1)));
    this.#slowdown = options.slowdown ?? 1.6;
    this.#slowBatches = options.slowBatches ?? 3;
    this.#probeAfterMs = options.probeAfterMs ?? 2_000;
    this.#maxProbeAfterMs = options.maxProbeAfterMs ?? 30_000;
    this.#probeBatches = options.probeBatches ?? 4;
    this.#freeCoreBelow = options.freeCoreBelow ?? 0.5;
    this.#now = options.now ?? (() => performance.now());
    this.#current = this.#max;
    this.#ceiling = this.#max;
    this.#quietSince = this.#now();
    this.#probeWait = this.#probeAfterMs;
  }

  /** The thread count to evaluate the next batch with. */
  get threads(): number {
    return this.#current;
  }

  /** Every change so far, oldest first. */
  get changes(): readonly ThreadChange[] {
    return this.#changes;
  }

  /** The per-token time expected at `threads` for a batch of `tokens`, once learned (ms). */
  expectedMs(threads: number, tokens = 1): number | undefined {
    return this.#expected(kindOf(tokens), threads);
  }

  #expected(kind: Kind, threads: number): number | undefined {
    const recent = this.#recent.get(kind)?.get(threads);
    return recent && recent.length > 0 ? median(recent) : undefined;
  }

  /**
   * How busy the other programs keep the machine, in cores (CPU time not ours over wall time): 0 on an idle machine,
   * about 1 with one core taken. Called every few hundred milliseconds while the engine works.
   */
  observeLoad(othersBusyCores: number): void {
    if (Number.isFinite(othersBusyCores)) this.#othersBusy = Math.max(0, othersBusyCores);
  }

  /** Whether the other programs leave a core free for each of `threads` threads. */
  #roomFor(threads: number): boolean {
    return this.#othersBusy < this.#cores - threads + this.#freeCoreBelow;
  }

  /** Tell the policy how a batch went; returns the thread count for the next one. */
  observe(sample: BatchSample): number {
    if (!(sample.ms >= 0) || !(sample.tokens >= 1)) return this.#current;
    // A batch that ran on another count (the change landed mid-way) says nothing about the current one.
    if (sample.threads !== this.#current) return this.#current;
    const kind = kindOf(sample.tokens);
    const perToken = sample.ms / sample.tokens;
    if (this.#probe) return this.#observeProbe(kind, perToken);

    const expected = this.#expected(kind, this.#current);
    const room = this.#roomFor(this.#current);
    const slow = expected !== undefined ? perToken > expected * this.#slowdown : !room;
    if (slow) {
      this.#slowInARow++;
      this.#quietSince = this.#now();
      if (this.#slowInARow >= this.#slowBatches && this.#current > this.#min) {
        this.#change(this.#current - 1, expected !== undefined ? 'preempted' : 'busy');
        this.#probeWait = this.#probeAfterMs;
      }
      return this.#current;
    }
    this.#slowInARow = 0;
    if (room) this.#learn(kind, this.#current, perToken);
    const next = this.#current + 1;
    if (next <= this.#ceiling && this.#roomFor(next) && this.#now() - this.#quietSince >= this.#probeWait) {
      this.#probe = { from: this.#current, samples: [], kind: null };
      this.#change(next, 'probe');
    }
    return this.#current;
  }

  #observeProbe(kind: Kind, perToken: number): number {
    const probe = this.#probe;
    if (!probe) return this.#current;
    const higher = this.#current;
    const known = this.#expected(kind, higher);
    const lower = this.#expected(kind, probe.from);
    // Plainly slow at once, whatever the batch (the other program is still there): undo without waiting for the rest.
    const bar = known ?? lower;
    if (bar !== undefined && perToken > bar * this.#slowdown) return this.#endProbe(false);
    // Judged on batches of one kind: the first it meets (a prompt step and a generated token differ per token).
    probe.kind ??= kind;
    if (kind !== probe.kind) return this.#current;
    probe.samples.push(perToken);
    if (probe.samples.length < this.#probeBatches) return this.#current;
    const measured = median(probe.samples);
    if (known !== undefined) {
      if (measured > known * this.#slowdown) return this.#endProbe(false);
      for (const sample of probe.samples) this.#learn(kind, higher, sample);
      return this.#endProbe(true);
    }
    // Never measured: worth it only if faster than one thread fewer, on a machine with room for it.
    if (lower !== undefined && measured >= lower * WORTH_IT) {
      if (this.#roomFor(higher)) {
        for (const sample of probe.samples) this.#learn(kind, higher, sample);
        this.#ceiling = probe.from;
        this.#probe = null;
        this.#change(probe.from, 'not-faster');
        return this.#current;
      }
      return this.#endProbe(false);
    }
    for (const sample of probe.samples) this.#learn(kind, higher, sample);
    return this.#endProbe(true);
  }

  #endProbe(kept: boolean): number {
    const probe = this.#probe;
    this.#probe = null;
    if (!probe) return this.#current;
    if (kept) {
      this.#probeWait = this.#probeAfterMs;
      this.#change(this.#current, 'probe-kept');
    } else {
      this.#probeWait = Math.min(this.#maxProbeAfterMs, this.#probeWait * 2);
      this.#change(probe.from, 'probe-failed');
    }
    return this.#current;
  }

  #learn(kind: Kind, threads: number, perToken: number): void {
    let map = this.#recent.get(kind);
    if (!map) this.#recent.set(kind, (map = new Map()));
    let recent = map.get(threads);
    if (!recent) map.set(threads, (recent = []));
    recent.push(perToken);
    if (recent.length > WINDOW) recent.shift();
  }

  #change(to: number, reason: ThreadChange['reason']): void {
    const from = this.#current;
    this.#current = to;
    this.#slowInARow = 0;
    this.#quietSince = this.#now();
    this.#changes.push({ at: this.#quietSince, from, to, reason });
  }
}

function kindOf(tokens: number): Kind {
  return tokens <= 16 ? tokens : 16 + Math.floor(Math.log2(tokens));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
