import { describe, expect, it } from 'vitest';
import { FrameBudget, FRAME_MS, type FrameClock } from '../../../../src-renderer/lib/markdown/frame-budget';

/** A clock the test moves by hand, and the animation frames asked of it. */
class FakeClock implements FrameClock {
  time = 1_000;
  frames: (() => void)[] = [];
  now(): number {
    return this.time;
  }
  requestFrame(callback: () => void): void {
    this.frames.push(callback);
  }
  /** The browser draws a frame: run the callbacks asked for before it. */
  frame(): void {
    this.time += FRAME_MS;
    const callbacks = this.frames;
    this.frames = [];
    for (const callback of callbacks) callback();
  }
}

/** A task that takes `ms` of the fake clock's time and records that it ran. */
function work(clock: FakeClock, ran: string[], name: string, ms: number): () => void {
  return () => {
    clock.time += ms;
    ran.push(name);
  };
}

describe('the frame budget for rendering messages', () => {
  it('runs tasks at once until the frame\'s share is spent, then in later frames, newest first', () => {
    const clock = new FakeClock();
    const budget = new FrameBudget({ budgetMs: 6, clock });
    const ran: string[] = [];
    expect(budget.run(work(clock, ran, 'a', 4))).toBe(true);
    expect(budget.run(work(clock, ran, 'b', 4))).toBe(true); // 4 ms spent: still under 6
    expect(budget.run(work(clock, ran, 'c', 4))).toBe(false);
    expect(budget.run(work(clock, ran, 'd', 4))).toBe(false);
    expect(budget.run(work(clock, ran, 'e', 4))).toBe(false);
    expect(ran).toEqual(['a', 'b']);
    expect(budget.pending).toBe(3);
    expect(clock.frames).toHaveLength(1); // one frame asked for, however many wait

    clock.frame();
    expect(ran).toEqual(['a', 'b', 'e', 'd']);
    clock.frame();
    expect(ran).toEqual(['a', 'b', 'e', 'd', 'c']);
    expect(budget.pending).toBe(0);
    expect(clock.frames).toHaveLength(0);
  });

  it('always runs the first task of a frame, however long it takes', () => {
    const clock = new FakeClock();
    const budget = new FrameBudget({ budgetMs: 6, clock });
    const ran: string[] = [];
    expect(budget.run(work(clock, ran, 'slow', 40))).toBe(true);
    expect(budget.run(work(clock, ran, 'next', 1))).toBe(true); // 40 ms later: a new frame has begun
    budget.run(work(clock, ran, 'after', 10));
    budget.run(work(clock, ran, 'queued-1', 10));
    budget.run(work(clock, ran, 'queued-2', 10));
    clock.frame();
    clock.frame();
    expect(ran).toEqual(['slow', 'next', 'after', 'queued-2', 'queued-1']);
  });

  it('never runs a task cancelled while it waits, and runs one at once when flushed', () => {
    const clock = new FakeClock();
    const budget = new FrameBudget({ budgetMs: 6, clock });
    const ran: string[] = [];
    budget.run(work(clock, ran, 'a', 10));
    let cancel: () => void = () => undefined;
    budget.run(work(clock, ran, 'scrolled-away', 1), (drop) => (cancel = drop));
    const needed = work(clock, ran, 'needed', 1);
    budget.run(needed);
    cancel();
    expect(budget.flush(needed)).toBe(true);
    expect(budget.flush(needed)).toBe(false); // already ran
    clock.frame();
    expect(ran).toEqual(['a', 'needed']);
    expect(budget.pending).toBe(0);
  });

  it('starts a frame\'s share afresh when the browser draws, even if less than a frame has passed by its clock', () => {
    const clock = new FakeClock();
    const budget = new FrameBudget({ budgetMs: 6, clock });
    const ran: string[] = [];
    budget.run(work(clock, ran, 'a', 7));
    budget.run(work(clock, ran, 'b', 1));
    clock.time -= FRAME_MS - 1; // the frame comes 1 ms after the last task by the clock
    clock.frame();
    expect(ran).toEqual(['a', 'b']);
    expect(budget.run(work(clock, ran, 'c', 1))).toBe(true);
  });
});
