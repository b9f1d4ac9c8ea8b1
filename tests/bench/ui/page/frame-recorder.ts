import type { FrameSample, LongFrame } from '../frame-stats';
import type { FrameRecording } from '../probe-api';

/** Chromium's long-animation-frame entry, the parts read here (not in TypeScript's DOM types yet). */
interface LongAnimationFrameTiming extends PerformanceEntry {
  blockingDuration: number;
  scripts: Array<{ invoker: string; sourceURL: string; sourceFunctionName: string; duration: number }>;
}

/**
 * Records every frame of the page (see `frame-stats.ts` for what a frame's time and interval are): an
 * animation-frame callback takes the frame's start and posts a message, which runs right after the frame's rendering
 * (style, layout, paint) and takes its end. Chromium's long animation frames (over 50 ms) are recorded alongside,
 * with the scripts that took longest in each.
 */
export class FrameRecorder {
  #samples: FrameSample[] = [];
  #longFrames: LongFrame[] = [];
  /** Frames whose rendering has not ended yet, oldest first. */
  #open: FrameSample[] = [];
  #running = false;
  #frame = 0;
  #observer: PerformanceObserver | null = null;
  readonly #channel = new MessageChannel();

  constructor() {
    this.#channel.port1.onmessage = () => {
      const sample = this.#open.shift();
      if (sample) sample.time = performance.now() - sample.start;
    };
  }

  start(): void {
    this.stop();
    this.#samples = [];
    this.#longFrames = [];
    this.#open = [];
    this.#running = true;
    this.#observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as LongAnimationFrameTiming[]) this.#longFrames.push(summary(entry));
    });
    this.#observer.observe({ type: 'long-animation-frame' });
    this.#frame = requestAnimationFrame(this.#onFrame);
  }

  /** Label the frame being recorded now (the latest one). */
  label(label: string): void {
    const sample = this.#samples.at(-1);
    if (sample) sample.label = label;
  }

  stop(): FrameRecording {
    this.#running = false;
    cancelAnimationFrame(this.#frame);
    if (this.#observer) {
      for (const entry of this.#observer.takeRecords() as LongAnimationFrameTiming[]) this.#longFrames.push(summary(entry));
      this.#observer.disconnect();
      this.#observer = null;
    }
    // A frame whose end never came (the last one, usually) has no time: left out.
    return { frames: this.#samples.filter((sample) => Number.isFinite(sample.time)), longFrames: this.#longFrames };
  }

  #onFrame = (timestamp: number): void => {
    if (!this.#running) return;
    const previous = this.#samples.at(-1);
    const sample: FrameSample = { start: timestamp, time: Number.NaN, interval: previous ? timestamp - previous.start : 0 };
    this.#samples.push(sample);
    this.#open.push(sample);
    this.#channel.port2.postMessage(null);
    this.#frame = requestAnimationFrame(this.#onFrame);
  };
}

function summary(entry: LongAnimationFrameTiming): LongFrame {
  const round = (value: number): number => Math.round(value * 10) / 10;
  const scripts = [...(entry.scripts ?? [])]
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 3)
    .map((script) => ({
      invoker: script.invoker,
      source: `${script.sourceFunctionName || '(anonymous)'} ${script.sourceURL.split('/').pop() ?? ''}`.trim(),
      duration: round(script.duration),
    }));
  return { start: round(entry.startTime), duration: round(entry.duration), blockingDuration: round(entry.blockingDuration), scripts };
}
