/**
 * Frame statistics of the UI benchmark, from what the page recorded (see `page/frame-recorder.ts`). Pure: no DOM, no
 * Node; the page's probe and the unit tests use it as well as the bench.
 *
 * A frame is one turn of the page's rendering loop, as `requestAnimationFrame` sees it:
 * - its **time** is the main thread's time on it, from the frame's start (the timestamp its animation-frame callbacks
 *   get) to the end of its rendering (a message posted from the frame's first callback runs right after style, layout
 *   and paint). Work that ran before the frame and delayed it counts too: the frame started late against its
 *   timestamp. A frame that fits in the 16.7 ms of a 60 Hz display takes less than 16 ms.
 * - its **interval** is the time from the previous frame's start: 16.7 ms when none is dropped. The longest interval
 *   is the longest the page showed nothing new — a stall.
 */

/** One frame as recorded in the page, ms. */
export interface FrameSample {
  /** The frame's start (its animation-frame timestamp), on the page's clock. */
  start: number;
  /** Main-thread time from its start to the end of its rendering. */
  time: number;
  /** Time since the previous frame's start (0 for the first frame recorded). */
  interval: number;
  /** Set by whoever drove the page in that frame, e.g. `wait` when a scroll could not move (see the bench). */
  label?: string;
}

/** A long animation frame (Chromium's `long-animation-frame` entry, over 50 ms), kept short for the summary. */
export interface LongFrame {
  start: number;
  duration: number;
  /** Of it, the time past 50 ms in its longest tasks (the entry's `blockingDuration`). */
  blockingDuration: number;
  /** The scripts that took longest in it: `invoker` (what called them) and their own duration, longest first. */
  scripts: Array<{ invoker: string; source: string; duration: number }>;
}

/** Statistics of a run of frames, ms (rounded to 0.1). */
export interface FrameStats {
  frames: number;
  /** Frame time percentiles and maximum. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Frames over 16 ms and over 50 ms. */
  over16: number;
  over50: number;
  /** The longest interval between two frames. */
  longestInterval: number;
  /** Intervals over 100 ms (stalls). */
  stalls: number;
  /** Seconds from the first frame's start to the last's. */
  seconds: number;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

/** The `p`-th percentile (0–100) of `values` (nearest rank; NaN for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median of `values` (NaN for none): the figure of a scenario measured a few times. */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Statistics of `samples` (all of them, or only those `include` keeps). */
export function frameStats(samples: readonly FrameSample[], include: (sample: FrameSample) => boolean = () => true): FrameStats {
  const kept = samples.filter(include);
  const times = kept.map((sample) => sample.time);
  // The first sample's interval is not an interval (nothing before it was recorded).
  const intervals = kept.filter((sample) => sample !== samples[0]).map((sample) => sample.interval);
  const first = kept[0]?.start ?? 0;
  const last = kept.at(-1)?.start ?? 0;
  return {
    frames: kept.length,
    p50: round1(percentile(times, 50)),
    p95: round1(percentile(times, 95)),
    p99: round1(percentile(times, 99)),
    max: round1(times.length > 0 ? Math.max(...times) : Number.NaN),
    over16: times.filter((time) => time > 16).length,
    over50: times.filter((time) => time > 50).length,
    longestInterval: round1(intervals.length > 0 ? Math.max(...intervals) : 0),
    stalls: intervals.filter((interval) => interval > 100).length,
    seconds: round1((last - first) / 1000),
  };
}
