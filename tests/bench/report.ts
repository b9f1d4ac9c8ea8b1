import type { EngineBenchResult } from './engine/engine-bench';
import type { ModelFacts } from './engine/model-facts';
import type { StoreBenchResult } from './store/store-bench';

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

/** The engine rows, with the targets. */
export function engineRows(result: EngineBenchResult, model: ModelFacts): ScenarioRow[] {
  const { app, baseline } = result;
  const firstRound = result.speedRounds[0]?.app;
  const rows: ScenarioRow[] = [];
  const speed = (id: string, scenario: string, figure: number, base: number): void => {
    const ratio = ratioOf(figure, base);
    rows.push({ id, scenario, unit: 'tok/s', figure: round1(figure), baseline: round1(base), ratio, target: '≥ 0.97× baseline', pass: ratio >= 0.97 });
  };
  const best = `best of ${result.speedRounds.length}`;
  speed('promptTokensPerSecond', `prompt (${firstRound?.promptTokens} tokens, ${best})`, app.promptTokensPerSecond, baseline.promptTokensPerSecond);
  speed('generationTokensPerSecond', `generation (${firstRound?.generatedTokens} tokens, greedy, ${best})`, app.generationTokensPerSecond, baseline.generationTokensPerSecond);
  const ttft = (id: string, scenario: string, figure: number, base: number, limitMs: number): void => {
    rows.push({ id, scenario, unit: 'ms', figure: round1(figure), baseline: round1(base), ratio: ratioOf(figure, base), target: `≤ ${limitMs} ms`, pass: figure <= limitMs });
  };
  const typed = `typed at ${app.followUpTyped.typist.charsPerSecond} chars/s`;
  const followUpBase = baseline.followUp.followUp?.ttftMs ?? Number.NaN;
  const restartBase = baseline.restart.restart?.ttftMs ?? Number.NaN;
  ttft('followUpTtftMs', `follow-up TTFT, pasted (${app.followUp.promptTokens}-token prompt)`, app.followUp.ttftMs, followUpBase, 500);
  ttft('followUpTypedTtftMs', `follow-up TTFT, ${typed}, Enter at once`, app.followUpTyped.ttftMs, followUpBase, 500);
  const reread = `Enter after ${app.followUpTypedReread.typist.enterDelayMs / 1000} s`;
  ttft('followUpTypedRereadTtftMs', `follow-up TTFT, ${typed}, ${reread}`, app.followUpTypedReread.ttftMs, followUpBase, 500);
  ttft('restartTtftMs', 'TTFT after restart, pasted', app.restart.ttftMs, restartBase, 1000);
  ttft('restartTypedTtftMs', `TTFT after restart, ${typed}, Enter at once`, app.restartTyped.ttftMs, restartBase, 1000);
  const limit = 1.2 * (model.fileBytes + model.kvCacheBytes);
  rows.push({
    id: 'peakRssBytes',
    scenario: 'peak RSS (all app processes)',
    unit: 'MiB',
    figure: round1(app.peakRss / MiB, 0),
    baseline: round1(baseline.peakRss / MiB, 0),
    ratio: ratioOf(app.peakRss, baseline.peakRss),
    target: `≤ 1.2×(model+KV) = ${round1(limit / MiB, 0)} MiB`,
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

/** The start-up rows: first paint and the longest answer (the targets), and ready, for each case. */
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
