import type { EngineBenchResult } from './engine/engine-bench';
import type { ModelFacts } from './engine/model-facts';
import type { StoreBenchResult } from './store/store-bench';
import type { HistoryBenchResult } from './history/history-bench';

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
