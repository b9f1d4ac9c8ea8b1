import { describe, expect, it } from 'vitest';
import { describeLoad, isQuiet, machineLoad, type CpuSnapshot } from '../../bench/machine-load';
import { formatTable, uiNotes, uiRows } from '../../bench/report';
import { frameStats, median, percentile, type FrameSample } from '../../bench/ui/frame-stats';
import { MarkdownWriter } from '../../bench/ui/markdown-text';
import { seededRandom, WordList } from '../../bench/store/synthetic-text';
import type { ScrollFigures, UiBenchResult } from '../../bench/ui/ui-bench';

/** Frames at 60 Hz taking `times` ms each, with a stall of `gap` ms before frame `stallAt`. */
function frames(times: number[], stall?: { at: number; gap: number }): FrameSample[] {
  let start = 1000;
  return times.map((time, index) => {
    const interval = index === 0 ? 0 : stall?.at === index ? stall.gap : 16.7;
    start += interval;
    return { start, time, interval };
  });
}

describe('frame statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(median([5, 1, 9])).toBe(5);
    expect(percentile([], 95)).toBeNaN();
  });

  it('gives frame time percentiles, frames over budget, the longest gap and stalls', () => {
    const times = [...Array.from({ length: 95 }, () => 4), 20, 20, 30, 60, 120];
    const stats = frameStats(frames(times, { at: 50, gap: 150 }));
    expect(stats).toMatchObject({ frames: 100, p50: 4, p95: 4, p99: 60, max: 120, over16: 5, over50: 2, longestInterval: 150, stalls: 1 });
    // 98 intervals of 16.7 ms and one of 150 ms, from the first frame's start to the last's.
    expect(stats.seconds).toBeCloseTo((98 * 16.7 + 150) / 1000, 1);
  });

  it('keeps the first frame\'s interval out (nothing was recorded before it) and can look at a subset', () => {
    const samples = frames([5, 5, 40, 5]);
    samples[0]!.interval = 500;
    samples[2]!.label = 'wait';
    expect(frameStats(samples).longestInterval).toBe(16.7);
    const moving = frameStats(samples, (sample) => sample.label !== 'wait');
    expect(moving).toMatchObject({ frames: 3, max: 5 });
  });
});

describe('machine load', () => {
  const snapshot = (at: number, busy: number, total: number, own: number, load1: number): CpuSnapshot => ({
    at,
    busy,
    total,
    own,
    loadAverage: [load1, 1, 1],
  });

  it('splits the CPUs\' busy time between this benchmark and other processes', () => {
    const load = machineLoad(snapshot(0, 1000, 5000, 100, 0.2), snapshot(10_000, 1600, 7000, 500, 0.6), 2);
    // 2000 ticks passed: 600 busy, 400 of them ours.
    expect(load).toMatchObject({ seconds: 10, ownShare: 0.2, othersShare: 0.1, loadAtStart: [0.2, 1, 1], quiet: false });
    expect(describeLoad(load)).toMatch(/other processes used 10% of the 2 CPUs' time, this benchmark 20%: NOT a quiet machine/);
  });

  it('calls a machine quiet when others used under a tenth of it and the load was low at the start', () => {
    expect(isQuiet(0.05, [0.3, 1, 1], 2)).toBe(true);
    expect(isQuiet(0.05, [0.6, 1, 1], 2)).toBe(false); // a quarter of 2 cores
    expect(isQuiet(0.2, [0.1, 1, 1], 2)).toBe(false);
    expect(isQuiet(null, [0, 0, 0], 2)).toBe(false); // no /proc: cannot tell
    const quiet = machineLoad(snapshot(0, 0, 1000, 0, 0.1), snapshot(1000, 50, 2000, 30, 0.1), 2);
    expect(describeLoad(quiet)).toMatch(/a quiet machine$/);
  });
});

describe('the UI report', () => {
  const stats = (p95: number, longestInterval: number) => ({
    frames: 500,
    p50: 3,
    p95,
    p99: p95 + 5,
    max: p95 + 20,
    over16: 10,
    over50: 1,
    longestInterval,
    stalls: longestInterval > 100 ? 1 : 0,
    seconds: 9,
  });
  const scroll = (p95: number, gap: number, maxRows: number, complete = true, speed: ScrollFigures['speed'] = 'viewport'): ScrollFigures => ({
    speed,
    complete,
    seconds: 9,
    frames: stats(p95, gap),
    movingFrames: stats(p95, gap),
    waitFrames: 3,
    distancePx: 100_000,
    maxRows,
    longFrames: { count: 0, totalMs: 0, blockingMs: 0, worst: [] },
  });
  const load = machineLoad(
    { at: 0, busy: 0, total: 1000, own: 0, loadAverage: [0.1, 0.1, 0.1] },
    { at: 1000, busy: 10, total: 2000, own: 10, loadAverage: [0.1, 0.1, 0.1] },
    2,
  );
  const result: UiBenchResult = {
    sizes: { replyTokens: 4000, streamHistory: 1000, longMessages: 10_000, conversations: 10_000 },
    conversations: 10_004,
    seedSeconds: 3,
    load,
    scenarioLoad: { streaming: load },
    sidebar: { firstPaintMs: [400, 250, 260], baselineFirstPaintMs: [200, 190, 210], baselineConversations: 5, steady: scroll(8, 30, 25, true, 3000), fling: scroll(12, 40, 30) },
    longConversation: { openMs: [120, 90, 100], openShortMs: [80, 70, 75], reloadMs: [500, 450, 480], jumpMs: [350, 310, 290], steady: scroll(14, 120, 20, true, 3000), fling: scroll(20, 90, 40, false) },
    streaming: {
      tokens: 4000,
      chars: 16_000,
      tokensPerSecond: 50,
      frames: stats(9, 30),
      longFrames: { count: 1, totalMs: 60, blockingMs: 10, worst: [] },
      markdown: {
        updates: 4000,
        appends: 3400,
        lexMs: 30,
        lexedChars: 140_000,
        totalMs: 400,
        appendMs: 100,
        appendMedianMs: 0.02,
        parseMedianMs: 0.6,
        blockRenders: 650,
        oneShotLexMs: [2, 1.5, 1.8],
        oneShotMs: [20, 21, 19],
        lexRatio: 16.67,
        ratio: 20,
      },
    },
    seconds: 200,
  };

  it('judges each figure against the issue\'s target, with medians of the repeats and the smaller case as baseline', () => {
    const rows = uiRows(result);
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    expect(byId.uiStreamFrameP95Ms).toMatchObject({ figure: 9, pass: true });
    expect(byId.uiStreamParseMs).toMatchObject({ figure: 30, baseline: 1.8, ratio: 16.667, pass: false });
    expect(byId.uiStreamMarkdownMs).toMatchObject({ figure: 400, baseline: 20, pass: false });
    expect(byId.uiLongOpenMs).toMatchObject({ figure: 100, baseline: 75, pass: true });
    expect(byId.uiJumpMs).toMatchObject({ figure: 310, pass: false });
    expect(byId.uiLongSteadyFrameP95Ms).toMatchObject({ figure: 14, pass: true });
    expect(byId.uiLongSteadyFrameP95Ms?.scenario).toMatch(/at 3,000 px\/s for 9 s/);
    expect(byId.uiLongSteadyLongestGapMs).toMatchObject({ figure: 120, pass: false });
    // A fling that did not reach the end fails whatever its frames were.
    expect(byId.uiLongFlingFrameP95Ms).toMatchObject({ figure: 20, pass: false });
    expect(byId.uiLongFlingFrameP95Ms?.scenario).toMatch(/DID NOT REACH THE END/);
    expect(byId.uiLongFlingLongestGapMs).toMatchObject({ figure: 90, pass: false });
    expect(byId.uiSidebarFirstPaintMs).toMatchObject({ figure: 260, baseline: 200, pass: true });
    expect(byId.uiSidebarSteadyFrameP95Ms).toMatchObject({ pass: true });
    expect(byId.uiSidebarFlingFrameP95Ms).toMatchObject({ pass: true });
    expect(byId.uiSidebarFlingLongestGapMs).toMatchObject({ pass: true });
    expect(byId.uiSidebarMaxRows).toMatchObject({ figure: 30, pass: true });
    expect(formatTable(rows).split('\n').find((line) => line.startsWith('search hit'))).toMatch(/310 ms .*< 300 ms\s+FAIL$/);
  });

  it('reports only the scenarios that ran, and says how busy the machine was', () => {
    const rows = uiRows({ ...result, sidebar: undefined, longConversation: undefined });
    expect(rows.map((row) => row.id)).toEqual(['uiStreamFrameP95Ms', 'uiStreamFrameMaxMs', 'uiStreamParseMs', 'uiStreamMarkdownMs']);
    const notes = uiNotes(result).join('\n');
    expect(notes).toMatch(/frame time = main-thread time/);
    expect(notes).toMatch(/ui machine: load average .* a quiet machine/);
    expect(notes).toMatch(/ui machine, streaming:/);
  });
});

describe('the benchmark\'s Markdown', () => {
  it('is the same for the same seed, and has every kind of block the chat renders', () => {
    const write = () => {
      const random = seededRandom(7);
      return new MarkdownWriter(new WordList(random), random);
    };
    const reply = write().reply(16_000);
    expect(write().reply(16_000)).toBe(reply);
    expect(reply.length).toBeGreaterThanOrEqual(16_000);
    expect(reply.length).toBeLessThan(17_500);
    for (const block of [/^## /m, /^- /m, /^\d+\. /m, /^- \[[ x]\] /m, /^```(ts|python|bash|json)$/m, /^\| --- \| --- \|/m, /^\$\$$/m, /^> /m, /\*\*\S/, /`[A-Za-z]+`/]) {
      expect(reply).toMatch(block);
    }
    const message = write().message(17, 'user', 'aardvark');
    expect(message.startsWith('Message 17. aardvark ')).toBe(true);
  });
});
