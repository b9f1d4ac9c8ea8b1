import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The contention scenario's pieces (issue 14): a CPU-burning process that takes one core for a bounded time while a
 * reply is generated, the reply's speed before, during and after it, a sparkline of its tokens per second, and the
 * app's thread changes read from its log.
 */

/** When the burner runs, from the reply's first token. */
export interface BurnWindow {
  afterMs: number;
  forMs: number;
}

/** A process that spins one core for `ms` (and is killed after it, or by `stop`, whichever is first). */
export function startBurner(ms: number): { stop(): void; exited: Promise<void> } {
  const child: ChildProcess = spawn(process.execPath, ['-e', `const end = Date.now() + ${Math.round(ms)}; while (Date.now() < end) {}`], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hardStop = setTimeout(() => child.kill('SIGKILL'), ms + 2_000);
  void exited.then(() => clearTimeout(hardStop));
  return {
    stop: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    exited,
  };
}

/** Runs the burner in its window, counted from `firstTokenAt` (a `performance.now()` reading); returns a stop. */
export function burnDuring(window: BurnWindow, firstTokenAt: number): () => Promise<void> {
  let burner: ReturnType<typeof startBurner> | null = null;
  const timer = setTimeout(() => (burner = startBurner(window.forMs)), Math.max(0, firstTokenAt + window.afterMs - performance.now()));
  return async () => {
    clearTimeout(timer);
    const running = burner as ReturnType<typeof startBurner> | null;
    running?.stop();
    await running?.exited;
  };
}

/** Tokens per second before, during and after the burn window, from each token's time since the first token (ms). */
export interface PhaseRates {
  before: number | null;
  during: number | null;
  after: number | null;
  overall: number | null;
}

export function phaseRates(times: readonly number[], window: BurnWindow): PhaseRates {
  const start = window.afterMs;
  const end = window.afterMs + window.forMs;
  const rate = (from: number, to: number): number | null => {
    const inside = times.filter((t) => t > from && t <= to);
    const last = times.at(-1) ?? 0;
    const span = Math.min(to, last) - from;
    if (inside.length < 2 || span <= 0) return null;
    return Math.round((inside.length / (span / 1000)) * 10) / 10;
  };
  return {
    before: rate(0, start),
    during: rate(start, end),
    after: rate(end, Number.POSITIVE_INFINITY),
    overall: rate(0, Number.POSITIVE_INFINITY),
  };
}

const BARS = '▁▂▃▄▅▆▇█';

/** Tokens per `bucketMs`, as a line of bars scaled to `top` tokens per second (the fastest bucket by default). */
export function sparkline(times: readonly number[], bucketMs: number, top?: number): string {
  if (times.length === 0) return '';
  const buckets = new Array<number>(Math.floor((times.at(-1) ?? 0) / bucketMs) + 1).fill(0);
  for (const t of times) buckets[Math.floor(t / bucketMs)]!++;
  const perSecond = buckets.map((count) => count / (bucketMs / 1000));
  const max = top ?? Math.max(...perSecond, 1e-9);
  return perSecond.map((value) => BARS[Math.min(BARS.length - 1, Math.round((value / max) * (BARS.length - 1)))]).join('');
}

/** One change of the app's thread count, from its log. */
export interface LoggedThreadChange {
  /** Wall-clock time of the log line (ms since the epoch). */
  at: number;
  from: number;
  to: number;
  reason: string;
}

/** The engine's `Threads a → b (reason)` lines of the app's log (`logs/phi-desk.log`). */
export function threadChangesFromLog(logText: string): LoggedThreadChange[] {
  const changes: LoggedThreadChange[] = [];
  for (const line of logText.split('\n')) {
    const match = /^(\S+)\s+INFO\s+.*Threads (\d+) → (\d+) \(([\w-]+)\)/.exec(line);
    if (!match) continue;
    changes.push({ at: Date.parse(match[1]!), from: Number(match[2]), to: Number(match[3]), reason: match[4]! });
  }
  return changes;
}

/** The thread timeline as text: `2 → 1 at +3.1 s (preempted), 1 → 2 at +13.0 s (probe-kept)`. */
export function describeThreadChanges(changes: readonly LoggedThreadChange[], since: number): string {
  if (changes.length === 0) return 'no change';
  return changes.map((c) => `${c.from} → ${c.to} at +${((c.at - since) / 1000).toFixed(1)} s (${c.reason})`).join(', ');
}

/**
 * The thread count in force each second from `since` for `seconds` seconds, as digits (`2221111111112222`): the
 * count at the start of each second, from the log's changes (`initial` before the first).
 */
export function threadLine(changes: readonly LoggedThreadChange[], initial: number, since: number, seconds: number): string {
  let line = '';
  for (let second = 0; second < seconds; second++) {
    const at = since + second * 1000;
    const last = changes.filter((change) => change.at <= at).at(-1);
    line += String(last ? last.to : initial);
  }
  return line;
}
