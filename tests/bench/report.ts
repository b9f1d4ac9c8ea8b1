import type { EngineBenchResult } from './engine/engine-bench';
import type { ModelFacts } from './engine/model-facts';
import type { StoreBenchResult } from './store/store-bench';
import type { HistoryBenchResult } from './history/history-bench';
import { describeLoad } from './machine-load';
import { median } from './ui/frame-stats';
import { JUMP_TARGET, SHORT_MESSAGES } from './ui/seed-ui';
import type { ScrollFigures, UiBenchResult } from './ui/ui-bench';

/** One line of the benchmark table and of the JSON summary. */
export interface ScenarioRow {
  id: string;
  scenario: string;
  unit: string;
  figure: number;
  /** node-llama-cpp's lowest-level API on the same work; null where there is no such baseline (the store). */
  baseline: number | null;
  /** figure ÷ baseline. */
  ratio: number | null;
  target: string;
  /** null: informational, no target. */
  pass: boolean | null;
}

const MiB = 2 ** 20;
const round1 = (value: number, digits = 1): number => Number(value.toFixed(digits));
const ratioOf = (figure: number, baseline: number): number => round1(figure / baseline, 3);

/** The engine rows, with the issue's targets. */
export function engineRows(result: EngineBenchResult, model: ModelFacts): ScenarioRow[] {
  const { app, baseline } = result;
  const firstRound = result.speedRounds[0]?.app;
  const rows: ScenarioRow[] = [];
  const speed = (id: string, scenario: string, figure: number, base: number): void => {
    const ratio = ratioOf(figure, base);
    rows.push({ id, scenario, unit: 'tok/s', figure: round1(figure), baseline: round1(base), ratio, target: '≥ 0.95× best baseline', pass: ratio >= 0.95 });
  };
  const best = `best of ${result.speedRounds.length}`;
  const counts = result.threads ? `; baseline: the best of 1…${Math.max(...result.threads.byCount.map((c) => c.threads))} threads` : '';
  speed('promptTokensPerSecond', `prompt (${firstRound?.promptTokens} tokens, ${best}${counts})`, app.promptTokensPerSecond, baseline.promptTokensPerSecond);
  speed('generationTokensPerSecond', `generation (${firstRound?.generatedTokens} tokens, greedy, ${best}${counts})`, app.generationTokensPerSecond, baseline.generationTokensPerSecond);
  const contention = result.contention;
  if (contention) {
    // The app on `auto` against the best fixed count under the same contention, while the core is taken and overall.
    const overall = contention.baselines.map((b) => b.rates.overall ?? 0);
    const bestOverall = contention.baselines[overall.indexOf(Math.max(...overall))];
    const burn = `one core taken for ${contention.window.forMs / 1000} s`;
    const contended = (id: string, scenario: string, figure: number | null, base: number, threads: number | undefined): void => {
      const value = figure ?? 0;
      const ratio = ratioOf(value, base);
      rows.push({
        id,
        scenario: `${scenario} (baseline: ${threads} thread(s), the best fixed count)`,
        unit: 'tok/s',
        figure: round1(value),
        baseline: round1(base),
        ratio,
        target: '≥ 0.8× baseline',
        pass: ratio >= 0.8,
      });
    };
    // Issue 14's targets: against the 1-thread baseline under the same contention, and the recovery after it.
    const one = contention.baselines.find((b) => b.threads === 1);
    if (one) {
      const figure = contention.app.rates.during ?? 0;
      const base = one.rates.during ?? 0;
      const ratio = ratioOf(figure, base);
      rows.push({
        id: 'contendedDuringTokensPerSecond',
        scenario: `generation while ${burn} (baseline: 1 thread, same contention)`,
        unit: 'tok/s',
        figure: round1(figure),
        baseline: round1(base),
        ratio,
        target: '≥ 0.9× baseline',
        pass: ratio >= 0.9,
      });
    }
    contended('contendedOverallTokensPerSecond', `generation, whole reply with ${burn}`, contention.app.rates.overall, Math.max(...overall), bestOverall?.threads);
    const recovery = contention.app.recoveryMs;
    rows.push({
      id: 'contentionRecoveryMs',
      scenario: 'back to ≥ 0.9× the idle speed after the other process stops',
      unit: 'ms',
      figure: recovery === null ? Number.NaN : round1(recovery),
      baseline: null,
      ratio: null,
      target: '≤ 5,000 ms',
      pass: recovery !== null && recovery <= 5000,
    });
  }
  const ttft = (id: string, scenario: string, figure: number, base: number, limitMs: number): void => {
    rows.push({ id, scenario, unit: 'ms', figure: round1(figure), baseline: round1(base), ratio: ratioOf(figure, base), target: `≤ ${limitMs} ms`, pass: figure <= limitMs });
  };
  const typed = `typed at ${app.followUpTyped.typist.charsPerSecond} chars/s`;
  const followUpBase = baseline.followUp.followUp?.ttftMs ?? Number.NaN;
  const restartBase = baseline.restart.restart?.ttftMs ?? Number.NaN;
  // Pasted, the new tokens must be read at Send, by the app as by llama.cpp alone: judged against the baseline (issue 14).
  const pastedRatio = ratioOf(app.followUp.ttftMs, followUpBase);
  rows.push({
    id: 'followUpTtftMs',
    scenario: `follow-up TTFT, pasted (${app.followUp.promptTokens}-token prompt)`,
    unit: 'ms',
    figure: round1(app.followUp.ttftMs),
    baseline: round1(followUpBase),
    ratio: pastedRatio,
    target: '≤ 1.1× baseline',
    pass: pastedRatio <= 1.1,
  });
  ttft('followUpTypedTtftMs', `follow-up TTFT, ${typed}, Enter at once`, app.followUpTyped.ttftMs, followUpBase, 500);
  const reread = `Enter after ${app.followUpTypedReread.typist.enterDelayMs / 1000} s`;
  ttft('followUpTypedRereadTtftMs', `follow-up TTFT, ${typed}, ${reread}`, app.followUpTypedReread.ttftMs, followUpBase, 500);
  ttft('restartTtftMs', 'TTFT after restart, pasted', app.restart.ttftMs, restartBase, 1000);
  ttft('restartTypedTtftMs', `TTFT after restart, ${typed}, Enter at once`, app.restartTyped.ttftMs, restartBase, 1000);
  const limit = 1.15 * (model.fileBytes + model.kvCacheBytes);
  rows.push({
    id: 'peakRssBytes',
    scenario: 'peak RSS (all app processes)',
    unit: 'MiB',
    figure: round1(app.peakRss / MiB, 0),
    baseline: round1(baseline.peakRss / MiB, 0),
    ratio: ratioOf(app.peakRss, baseline.peakRss),
    target: `≤ 1.15×(model+KV) = ${round1(limit / MiB, 0)} MiB`,
    pass: app.peakRss <= limit,
  });
  return rows;
}

/** The store rows (issue 4's targets); the streaming write is judged against ten writes a second. */
export function storeRows(result: StoreBenchResult): ScenarioRow[] {
  const row = (id: string, scenario: string, unit: string, figure: number, target: string, pass: boolean | null): ScenarioRow => ({
    id,
    scenario,
    unit,
    figure,
    baseline: null,
    ratio: null,
    target,
    pass,
  });
  const size = `${(result.messages / 1e6).toLocaleString('en-US')}M msgs`;
  return [
    ...startupRows(result),
    row('searchP50Ms', `search p50 (${size})`, 'ms', result.search.p50Ms, '—', null),
    row('searchP95Ms', `search p95 (${size})`, 'ms', result.search.p95Ms, '< 50 ms', result.search.p95Ms < 50),
    row('firstPageMs', `first page, ${result.firstPage.messages} of a long conversation (cold)`, 'ms', result.firstPage.coldMs, '< 50 ms', result.firstPage.coldMs < 50),
    // The chat service writes streamed text at most every 100 ms: ten writes a second at most.
    row('streamingBatchP95Us', 'streaming write per batch p95', 'µs', result.streamingBatch.p95Us, '< 1 ms (1% of a second at 10 writes/s)', result.streamingBatch.p95Us < 1000),
    row('bytesPerMessage', 'database size per message', 'bytes', result.bytesPerMessage, '—', null),
  ];
}

/**
 * The history rows (issue 11): throughput of each export and import at the larger size, and the growth of peak RSS
 * from the smaller size to the larger one (streamed work: it must stay flat).
 */
export function historyRows(result: HistoryBenchResult): ScenarioRow[] {
  const [small, large] = result.sizes;
  const rows: ScenarioRow[] = [];
  const size = (count: number): string => `${count >= 1000 ? `${count / 1000}k` : count} msgs`;
  for (const scenario of [...new Set(result.runs.map((run) => run.scenario))]) {
    const atSmall = result.runs.find((run) => run.scenario === scenario && run.size === small);
    const atLarge = result.runs.find((run) => run.scenario === scenario && run.size === large);
    if (!atSmall || !atLarge) continue;
    const id = scenario.replace(/ (\w)/g, (_, letter: string) => letter.toUpperCase());
    const fast = scenario === 'export json' || scenario === 'export markdown';
    rows.push({
      id: `${id}MessagesPerSecond`,
      scenario: `${scenario} (${size(large)})`,
      unit: 'msg/s',
      figure: atLarge.messagesPerSecond,
      baseline: null,
      ratio: null,
      target: fast ? '> 50,000 msg/s' : '—',
      pass: fast ? atLarge.messagesPerSecond > 50_000 : null,
    });
    const growth = (atLarge.peakRss - atSmall.peakRss) / MiB;
    rows.push({
      id: `${id}PeakRssGrowthMiB`,
      scenario: `${scenario} peak RSS ${Math.round(atSmall.peakRss / MiB)} → ${Math.round(atLarge.peakRss / MiB)} MiB (${size(small)} → ${size(large)})`,
      unit: 'MiB',
      figure: round1(growth),
      baseline: null,
      ratio: null,
      target: '< 50 MiB growth',
      pass: growth < 50,
    });
  }
  return rows;
}

/**
 * The UI rows (issue 9's targets), for the scenarios that ran. Frame times are main-thread time per frame
 * (frame-stats.ts); opens, loads and jumps are the median of the repeats, with the smaller case (a short
 * conversation, a handful of conversations) as the baseline where there is one.
 */
export function uiRows(result: UiBenchResult): ScenarioRow[] {
  const { sizes, sidebar, longConversation: long, streaming } = result;
  const rows: ScenarioRow[] = [];
  const row = (id: string, scenario: string, unit: string, figure: number, target: string, pass: boolean | null, base: number | null = null): void => {
    rows.push({ id, scenario, unit, figure: round1(figure), baseline: base === null ? null : round1(base), ratio: base === null ? null : ratioOf(figure, base), target, pass });
  };
  const under = (limit: number) => (figure: number): [string, boolean] => [`< ${limit} ms`, figure < limit];
  const frame = under(16);
  const paint = under(300);

  if (streaming) {
    const reply = `${count(streaming.tokens)}-token Markdown reply at ${streaming.tokensPerSecond} tok/s into ${count(sizes.streamHistory)} msgs`;
    row('uiStreamFrameP95Ms', `frame time p95, streaming a ${reply}`, 'ms', streaming.frames.p95, ...frame(streaming.frames.p95));
    row('uiStreamFrameMaxMs', 'frame time max, streaming', 'ms', streaming.frames.max, '—', null);
    const { markdown } = streaming;
    const once = `baseline: the finished reply at once`;
    row('uiStreamParseMs', `Markdown parsing (lexing) per reply, ${count(markdown.lexedChars)} chars lexed (${once})`, 'ms', markdown.lexMs, '≤ 2× baseline', markdown.lexRatio <= 2, median(markdown.oneShotLexMs));
    row('uiStreamMarkdownMs', `Markdown parsing + rendering per reply, ${count(markdown.updates)} updates (${once})`, 'ms', markdown.totalMs, '≤ 2× baseline', markdown.ratio <= 2, median(markdown.oneShotMs));
  }
  if (long) {
    const size = `${count(sizes.longMessages)} msgs`;
    const openMs = median(long.openMs);
    row('uiLongOpenMs', `open a ${size} conversation → newest painted (baseline: ${SHORT_MESSAGES} msgs)`, 'ms', openMs, ...paint(openMs), median(long.openShortMs));
    row('uiLongReloadMs', 'page load with it open → newest painted', 'ms', median(long.reloadMs), '—', null);
    const jumpMs = median(long.jumpMs);
    row('uiJumpMs', `search hit → message #${JUMP_TARGET} painted and highlighted (${size})`, 'ms', jumpMs, ...paint(jumpMs));
    scrollRows(row, 'uiLong', `the ${size} conversation from the newest`, long);
  }
  if (sidebar) {
    const size = `${count(result.conversations)} conversations`;
    const firstPaint = median(sidebar.firstPaintMs);
    row('uiSidebarFirstPaintMs', `page load → sidebar painted, ${size} (baseline: ${sidebar.baselineConversations})`, 'ms', firstPaint, ...paint(firstPaint), median(sidebar.baselineFirstPaintMs));
    scrollRows(row, 'uiSidebar', `the sidebar of ${size} from the top`, sidebar);
  }
  return rows;
}

const count = (value: number): string => value.toLocaleString('en-US');

/**
 * Frame p95 and the longest gap of both scrolls of a list (steady at a fast user's speed; a fling to the far end), and
 * the most rows in the page during the fling (which goes through the whole list).
 */
function scrollRows(
  row: (id: string, scenario: string, unit: string, figure: number, target: string, pass: boolean | null) => void,
  id: string,
  scenario: string,
  scrolls: { steady: ScrollFigures; fling: ScrollFigures },
): void {
  const { steady, fling } = scrolls;
  const speed = `${count(Number(steady.speed))} px/s for ${steady.seconds} s`;
  const done = fling.complete ? '' : ' — DID NOT REACH THE END';
  const frames = (name: string, label: string, figures: ScrollFigures): void => {
    row(`${id}${name}FrameP95Ms`, `${label}, frame time p95`, 'ms', figures.frames.p95, '< 16 ms', figures.complete && figures.frames.p95 < 16);
    row(`${id}${name}LongestGapMs`, `${label}, longest gap between frames`, 'ms', figures.frames.longestInterval, '≤ 100 ms', figures.complete && figures.frames.longestInterval <= 100);
  };
  frames('Steady', `scroll ${scenario} at ${speed}`, steady);
  frames('Fling', `fling ${scenario} to the end, a viewport per frame${done}`, fling);
  row(`${id}MaxRows`, `fling ${scenario} to the end, most rows in the page`, 'rows', fling.maxRows, '< 100 (bounded)', fling.maxRows < 100);
}

/** How the UI figures were taken, the figures behind the table, and how busy the machine was meanwhile. */
export function uiNotes(result: UiBenchResult): string[] {
  const { streaming, longConversation: long, sidebar } = result;
  const list = (values: readonly number[]): string => values.join(', ');
  const scroll = (name: string, figures: ScrollFigures): string =>
    `ui: ${name}, ${figures.speed === 'viewport' ? 'a viewport per frame' : `${figures.speed} px/s`}: ` +
    `${figures.complete ? '' : 'DID NOT reach the end; '}${count(figures.distancePx)} px in ${figures.seconds} s, ${figures.frames.frames} frames ` +
    `(${figures.waitFrames} waiting for a page; the moving ones p95 ${figures.movingFrames.p95} ms), ${figures.frames.over50} over 50 ms, ` +
    `${figures.frames.stalls} gaps over 100 ms; max ${figures.frames.max} ms; ${figures.longFrames.count} long animation frames (${figures.longFrames.totalMs} ms)`;
  const lines = [
    "ui: frame time = main-thread time from a frame's start (its requestAnimationFrame timestamp) to the end of its rendering " +
      "(a message posted from that callback runs after style, layout and paint); a gap = the time between two frames' starts. " +
      "Opens, loads and jumps: from the click's event time (or the navigation's start) to the end of the first frame that paints the target, median of the repeats.",
  ];
  if (streaming) {
    const { frames, markdown } = streaming;
    lines.push(
      `ui: streaming: ${frames.frames} frames, p50 ${frames.p50} / p95 ${frames.p95} / max ${frames.max} ms, ${frames.over16} over 16 ms, ` +
        `longest gap ${frames.longestInterval} ms; ${streaming.longFrames.count} long animation frames`,
      `ui: Markdown per reply ${markdown.totalMs} ms over ${markdown.updates} updates (${markdown.appends} appends: ${markdown.appendMs} ms, ` +
        `median ${markdown.appendMedianMs} ms; the median update that parsed: ${markdown.parseMedianMs} ms), ${markdown.blockRenders} block renders; ` +
        `lexing ${markdown.lexMs} ms, ${count(markdown.lexedChars)} characters for a ${count(streaming.chars)}-character reply ` +
        `(${(markdown.lexedChars / streaming.chars).toFixed(1)}×); the finished reply at once: ${list(markdown.oneShotMs)} ms, lexing ${list(markdown.oneShotLexMs)} ms`,
    );
  }
  if (long) {
    lines.push(
      `ui: open ${list(long.openMs)} ms (short: ${list(long.openShortMs)}); page load ${list(long.reloadMs)} ms; jump ${list(long.jumpMs)} ms`,
      scroll('messages from the newest', long.steady),
      scroll('messages newest → oldest', long.fling),
    );
  }
  if (sidebar) {
    lines.push(
      `ui: sidebar first paint ${list(sidebar.firstPaintMs)} ms (${sidebar.baselineConversations} conversations: ${list(sidebar.baselineFirstPaintMs)} ms)`,
      scroll('sidebar from the top', sidebar.steady),
      scroll('sidebar top → bottom', sidebar.fling),
    );
  }
  lines.push(
    `ui machine: ${describeLoad(result.load)}`,
    ...Object.entries(result.scenarioLoad).map(([name, load]) => `ui machine, ${name}: ${describeLoad(load)}`),
  );
  return lines;
}

/** The start-up rows: first paint and the longest answer (the issue's targets), and ready, for each case. */
function startupRows(result: StoreBenchResult): ScenarioRow[] {
  const size = `${(result.messages / 1e6).toLocaleString('en-US')}M msgs`;
  return (result.startup?.cases ?? []).flatMap((start) => {
    const id = start.case.replace(/ (\w)/g, (_, letter: string) => letter.toUpperCase());
    const load = `load ${start.loadAverage[0]}`;
    const row = (suffix: string, scenario: string, figure: number, target: string, pass: boolean | null): ScenarioRow => ({
      id: `startup${id[0]!.toUpperCase()}${id.slice(1)}${suffix}`,
      scenario: `start-up, ${start.case} (${size}, ${load}): ${scenario}`,
      unit: 'ms',
      figure,
      baseline: null,
      ratio: null,
      target,
      pass,
    });
    return [
      row('FirstPaintMs', 'first paint', start.firstPaintMs, '< 1,000 ms', start.firstPaintMs < 1000),
      row('ReadyMs', 'conversations shown', start.pageReadyMs, '—', null),
      row('OpeningMaxPingMs', 'slowest answer while opening', start.ping.opening.maxMs, '< 100 ms', start.ping.opening.maxMs < 100),
      row('AfterReadyMaxPingMs', 'slowest answer, ready to checked', start.ping.afterReady.maxMs, '< 100 ms', start.ping.afterReady.maxMs < 100),
    ];
  });
}

/** A plain-text table. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const header = ['scenario', 'figure', 'baseline', 'ratio', 'target', 'pass'];
  const lines = rows.map((r) => [
    r.scenario,
    `${r.figure} ${r.unit}`,
    r.baseline === null ? '—' : `${r.baseline} ${r.unit}`,
    r.ratio === null ? '—' : `${r.ratio}×`,
    r.target,
    r.pass === null ? '—' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
