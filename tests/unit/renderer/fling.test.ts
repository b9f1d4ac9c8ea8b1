import { describe, expect, it } from 'vitest';
import { FAST_WINDOW_MS, FlingDetector, SETTLE_MS, type FlingClock } from '../../../src-renderer/lib/fling.svelte';

/** A clock the test moves by hand, with its timers. */
function fakeClock(): FlingClock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; callback: () => void; id: number }> = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = next++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((timer) => timer.id !== handle);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((timer) => timer.at <= now);
      timers = timers.filter((timer) => timer.at > now);
      for (const timer of due) timer.callback();
    },
  };
}

const VIEW = 800;

/** Scroll by `step` px every `everyMs`, `count` times. */
function scroll(detector: FlingDetector, clock: ReturnType<typeof fakeClock>, from: number, step: number, everyMs: number, count: number): number {
  let offset = from;
  for (let i = 0; i < count; i++) {
    clock.advance(everyMs);
    offset += step;
    detector.observe(offset, VIEW);
  }
  return offset;
}

describe('telling a fling from reading', () => {
  it('never calls a reader’s scroll a fling, however long it goes on: 3,000 px/s, a wheel notch at a time', () => {
    const clock = fakeClock();
    const detector = new FlingDetector(clock);
    detector.observe(100_000, VIEW);
    scroll(detector, clock, 100_000, -50, 16, 600); // 3,000 px/s
    scroll(detector, clock, 90_000, -120, 30, 200); // a fast wheel
    expect(detector.flinging).toBe(false);
  });

  it('never calls one jump a fling (to the newest message, to a search hit), nor two', () => {
    const clock = fakeClock();
    const detector = new FlingDetector(clock);
    detector.observe(0, VIEW);
    scroll(detector, clock, 0, 500_000, 16, 1);
    scroll(detector, clock, 500_000, 40, 16, 5);
    scroll(detector, clock, 500_200, -300_000, 16, 2);
    expect(detector.flinging).toBe(false);
  });

  it('calls a screen per frame a fling from its third step, and ends it a moment after the last fast step', () => {
    const clock = fakeClock();
    const detector = new FlingDetector(clock);
    detector.observe(200_000, VIEW);
    let offset = scroll(detector, clock, 200_000, -VIEW, 16, 2);
    expect(detector.flinging).toBe(false);
    offset = scroll(detector, clock, offset, -VIEW, 16, 1);
    expect(detector.flinging).toBe(true);
    offset = scroll(detector, clock, offset, -VIEW, 16, 100);
    expect(detector.flinging).toBe(true);
    // Slowing down: small steps keep it a fling until it settles.
    offset = scroll(detector, clock, offset, -20, 16, 5);
    expect(detector.flinging).toBe(true);
    clock.advance(SETTLE_MS);
    expect(detector.flinging).toBe(false);
    // And a new fling starts it again.
    scroll(detector, clock, offset, VIEW, 16, 3);
    expect(detector.flinging).toBe(true);
  });

  it('needs the fast steps close together: half a screen at a time, spaced out, is a reader paging', () => {
    const clock = fakeClock();
    const detector = new FlingDetector(clock);
    detector.observe(0, VIEW);
    scroll(detector, clock, 0, VIEW / 2, FAST_WINDOW_MS + 50, 20); // Page Down, key after key
    expect(detector.flinging).toBe(false);
  });

  it('forgets everything when another conversation opens', () => {
    const clock = fakeClock();
    const detector = new FlingDetector(clock);
    detector.observe(0, VIEW);
    scroll(detector, clock, 0, VIEW, 16, 3);
    expect(detector.flinging).toBe(true);
    detector.reset();
    expect(detector.flinging).toBe(false);
    // The new conversation's first offset is not a step from the old one's.
    detector.observe(900_000, VIEW);
    scroll(detector, clock, 900_000, VIEW, 16, 2);
    expect(detector.flinging).toBe(false);
    clock.advance(SETTLE_MS * 2);
    expect(detector.flinging).toBe(false);
  });
});
