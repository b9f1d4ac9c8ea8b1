/**
 * `npm run bench`: speed and memory of the app against node-llama-cpp's lowest-level API (engine), of the
 * conversation store on a large synthetic history (store), and of the chat window in Chromium on long histories (ui).
 * Prints a table and writes a JSON summary.
 *
 *   npm run bench                              # everything, Phi-2-shaped model, 100k conversations / 1M messages
 *   npm run bench -- --only engine|store|ui|history   # one part (history: export and import, issue 11)
 *   npm run bench -- --only memory             # only the baseline's memory with mmap off and on
 *   npm run bench -- --only kv                 # only the baseline's KV cache types (F16, Q8_0) compared, and
 *                                              # how far Q8_0 keys move the next-token distributions
 *   npm run bench -- --quick                   # the tiny model, 100k messages, smaller UI sizes: checks the harness
 *   options: --model phi2|tiny|<file.gguf>  --threads N  --no-extras (skip the state-file and mmap comparisons)
 *            --conversations N --messages N --long N  --out <summary.json>
 *            --ui-scenarios sidebar,longConversation,streaming  --profile <dir> (CPU profiles of the UI's scrolls and
 *            streamed reply, for DevTools; profiling slows the page, so the figures of such a run are not the ones)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TINY_SHAPE } from '../tests/support/synthetic-model/synthetic-phi2';
import { ensureBenchModel } from '../tests/bench/engine/bench-model';
import {
  runEngineBench,
  runKeyQuality,
  runKvComparison,
  runMmapComparison,
  type EngineBenchResult,
  type KvComparisonRun,
  type MmapComparison,
} from '../tests/bench/engine/engine-bench';
import type { KeyTypeQuality } from '../tests/bench/engine/kv-key-quality';
import { readModelFacts, type ModelFacts } from '../tests/bench/engine/model-facts';
import { engineRows, formatTable, historyRows, storeRows, uiNotes, uiRows, type ScenarioRow } from '../tests/bench/report';
import { runStoreBench, type StoreBenchResult } from '../tests/bench/store/store-bench';
import { runHistoryBench } from '../tests/bench/history/history-bench';
import { FULL_SIZES, QUICK_SIZES, runUiBench, UI_SCENARIOS, type UiBenchResult, type UiScenario } from '../tests/bench/ui/ui-bench';

const USAGE = 'usage: npm run bench -- [--only engine|store|ui|history|memory|kv] [--quick] [--model phi2|tiny|<file.gguf>] [--threads N] [--no-extras] [--conversations N] [--messages N] [--long N] [--ui-scenarios a,b] [--profile <dir>] [--out <file.json>]';
const DEFAULT_OUT = resolve('.cache/bench/summary.json');
/** The app's context size for Phi-2 (its trained context). */
const CONTEXT_SIZE = 2048;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      model: { type: 'string' },
      threads: { type: 'string' },
      'no-extras': { type: 'boolean', default: false },
      conversations: { type: 'string' },
      messages: { type: 'string' },
      long: { type: 'string' },
      'ui-scenarios': { type: 'string' },
      profile: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.only !== undefined && !['engine', 'store', 'ui', 'history', 'memory', 'kv'].includes(values.only)) {
    console.error(`--only must be engine, store, ui, history, memory or kv\n${USAGE}`);
    return 2;
  }
  const positive = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number above 0`);
    return value;
  };
  const uiScenarios = values['ui-scenarios']?.split(',').map((name) => name.trim());
  const unknownScenario = uiScenarios?.find((name) => !(UI_SCENARIOS as readonly string[]).includes(name));
  if (unknownScenario !== undefined) {
    console.error(`--ui-scenarios: no scenario "${unknownScenario}" (there are ${UI_SCENARIOS.join(', ')})\n${USAGE}`);
    return 2;
  }
  const quick = values.quick;
  const out = resolve(values.out ?? DEFAULT_OUT);
  const rows: ScenarioRow[] = [];
  const summary: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryBytes: totalmem(),
      platform: process.platform,
      node: process.version,
      loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
    },
    quick,
  };
  const started = performance.now();

  const part = (name: string): boolean => values.only === undefined || values.only === name;
  // A part that fails is reported and the others still run: a store error must not throw away the engine's figures.
  const failures: Array<{ part: string; error: string }> = [];
  const attempt = async (name: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ part: name, error: message });
      log(`\n${name} benchmark FAILED: ${message}`);
    }
  };

  if (part('engine') || part('memory') || part('kv')) await attempt('engine', async () => {
    const modelPath = await resolveModel(values.model ?? (quick ? 'tiny' : 'phi2'));
    // The app runs on `auto` (every core while the machine is free); the baseline's own count is the machine's cores
    // unless --threads says otherwise.
    const threads = positive(values.threads, 'threads') ?? availableParallelism();
    // The app loads without mmap (LlamaEngine's `useMmap` default); the baseline does the same.
    const settings = { modelPath, threads, contextSize: CONTEXT_SIZE, useMmap: false };
    const facts = await readModelFacts(modelPath, CONTEXT_SIZE);
    summary.model = facts;
    summary.threads = threads;
    log(`engine: ${modelPath} (${(facts.fileBytes / 2 ** 30).toFixed(2)} GiB), ${threads} thread(s), context ${CONTEXT_SIZE}`);
    if (values.only === 'kv' || (values.only === undefined && !values['no-extras'])) {
      // The KV cache's type (issue 14): F16 against Q8_0, in the baseline.
      const kv = await runKvComparison(settings, log);
      summary.kvComparison = kv;
      log(`\n${kvNotes(kv)}`);
      // What Q8_0 keys change in the model's output (random weights have no perplexity to measure).
      const quality = await runKeyQuality(settings, log);
      summary.kvKeyQuality = quality;
      log(keyQualityNotes(quality));
      if (values.only === 'kv') return;
    }
    if (values.only === 'memory') {
      const comparison = await runMmapComparison(settings, undefined, log);
      summary.mmapComparison = comparison;
      log(`\n${mmapNotes(comparison)}`);
    } else {
      const extras = !values['no-extras'];
      // Contention (issue 14): one core taken by another process for a while during a reply. The tiny model writes
      // ~1,000 tokens/s, so --quick shrinks the window to match.
      const contention = quick
        ? { window: { afterMs: 300, forMs: 600 }, tokens: 1200 }
        : { window: { afterMs: 3000, forMs: 10_000 }, tokens: 240 };
      const engine = await runEngineBench({ settings, stateFileBaseline: extras, mmapComparison: extras, contention, log });
      rows.push(...engineRows(engine, facts));
      summary.engine = engine;
      log(`\n${engineNotes(engine, facts)}`);
    }
  });

  if (part('store')) await attempt('store', async () => {
    const store: StoreBenchResult = await runStoreBench({
      conversations: positive(values.conversations, 'conversations') ?? (quick ? 10_000 : 100_000),
      messages: positive(values.messages, 'messages') ?? (quick ? 100_000 : 1_000_000),
      longConversation: positive(values.long, 'long') ?? 10_000,
      log,
    });
    rows.push(...storeRows(store));
    summary.store = store;
  });

  if (part('history')) await attempt('history', async () => {
    // 10k and 100k messages (issue 11); --quick: 2k and 20k.
    const history = await runHistoryBench({ sizes: quick ? [2_000, 20_000] : [10_000, 100_000], log });
    rows.push(...historyRows(history));
    summary.history = history;
  });

  const notes: string[] = [];
  if (part('ui')) await attempt('ui', async () => {
    const ui: UiBenchResult = await runUiBench({
      sizes: quick ? QUICK_SIZES : FULL_SIZES,
      repeats: quick ? 3 : 5,
      ...(quick ? { steadyScrollMs: 5_000 } : {}),
      ...(uiScenarios ? { scenarios: uiScenarios as UiScenario[] } : {}),
      ...(values.profile ? { profileDir: resolve(values.profile) } : {}),
      log,
    });
    rows.push(...uiRows(ui));
    summary.ui = ui;
    notes.push(...uiNotes(ui));
  });

  summary.seconds = Math.round((performance.now() - started) / 1000);
  summary.rows = rows;
  summary.failures = failures;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\n${formatTable(rows)}\n${notes.map((line) => `\n${line}`).join('')}\n\nsummary: ${out} (${summary.seconds} s)`);
  for (const failure of failures) console.log(`${failure.part}: FAILED (${failure.error.split('\n')[0]})`);
  return failures.length > 0 ? 1 : 0;
}

async function resolveModel(choice: string): Promise<string> {
  if (choice === 'phi2') return (await ensureBenchModel(undefined, log)).path;
  if (choice === 'tiny') return (await ensureBenchModel(TINY_SHAPE, log)).path;
  return resolve(choice);
}

/** The figures behind the table that a reader needs to judge it. */
function kvNotes(runs: KvComparisonRun[]): string {
  const MiB = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;
  return [
    'KV cache and batch size (baseline: prompt 128 tokens, generation 64, follow-up after ~1,500 tokens, state file after it):',
    ...runs.map((r) =>
      r.error
        ? `  ${r.name.padEnd(28)} not measured: ${r.error}`
        : `  ${r.name.padEnd(28)} prompt ${r.promptTokensPerSecond.toFixed(1)} tok/s, generation ${r.generationTokensPerSecond.toFixed(1)} tok/s, ` +
        `follow-up TTFT ${Math.round(r.followUpTtftMs)} ms, peak RSS ${MiB(r.peakRss)}, state file ${MiB(r.stateFileBytes)}`,
    ),
  ].join('\n');
}

/** How far Q8_0 keys move the next-token distributions from F16 keys'. */
function keyQualityNotes(q: KeyTypeQuality): string {
  const exp = (value: number): string => value.toExponential(2);
  const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
  const broken =
    q.nonFinitePositions > 0
      ? `; NaN logits at ${q.nonFinitePositions} of them (llama.cpp without flash attention, heads not a multiple of 32 wide)`
      : '';
  return (
    `Q8_0 keys against F16 keys, ${q.positions} next-token distributions over ${q.tokens} tokens${broken}: ` +
    `top-1 agreement ${(q.top1Agreement * 100).toFixed(1)}%, KL mean ${exp(q.meanKl)} nats (deeper half ${exp(q.meanKlDeeperHalf)}), ` +
    `max ${exp(q.maxKl)}; largest probability change ${exp(q.maxProbabilityDelta)}; logit change / logit spread ` +
    `mean ${percent(q.meanRelativeLogitError)}, max ${percent(q.maxRelativeLogitError)}; ` +
    `F16 entropy ${q.meanEntropy.toFixed(2)} nats (ln ${q.vocabularySize} = ${Math.log(q.vocabularySize).toFixed(2)})`
  );
}

function engineNotes(result: EngineBenchResult, facts: ModelFacts): string {
  const MiB = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
  const { app, baseline } = result;
  const lines: string[] = [];
  // The baseline formats the app's transcript itself; if the app's prompt format changed, the two would differ.
  const pairs: Array<[string, number | undefined, number | undefined]> = [
    ...result.speedRounds.map((r, i): [string, number, number | undefined] => [`round ${i + 1}`, r.app.promptTokens, r.baseline.prompt?.promptTokens]),
    ['follow-up', app.followUp.promptTokens, baseline.followUp.followUp?.promptTokens],
    ['after restart', app.restart.promptTokens, baseline.restart.restart?.promptTokens],
  ];
  for (const [name, appTokens, baselineTokens] of pairs) {
    if (appTokens !== baselineTokens) lines.push(`WARNING: ${name} prompt is ${appTokens} tokens in the app, ${baselineTokens} in the baseline`);
  }
  const fixed = (value: number | null | undefined): string => (value === null || value === undefined ? '?' : value.toFixed(1));
  if (result.threads) {
    lines.push(
      `baseline on a free machine, by thread count: ${result.threads.byCount
        .map((c) => `${c.threads}: prompt ${c.promptTokensPerSecond.toFixed(1)}, generation ${c.generationTokensPerSecond.toFixed(1)} tok/s`)
        .join('; ')} (best: ${result.threads.best})`,
    );
  }
  if (result.contention) {
    const { window, app: contended, baselines } = result.contention;
    const phases = (r: { rates: { before: number | null; during: number | null; after: number | null } }): string =>
      `before ${fixed(r.rates.before)}, during ${fixed(r.rates.during)}, after ${fixed(r.rates.after)} tok/s`;
    lines.push(
      `contention: one core spun by another process from +${window.afterMs / 1000} s for ${window.forMs / 1000} s of the reply (tokens per second, one bar a second):`,
      `  app (auto)  ${contended.sparkline}  ${phases(contended)}; back to 0.9× idle ${contended.recoveryMs === null ? 'never' : `${Math.round(contended.recoveryMs)} ms`} after`,
      `  app threads ${contended.threadLine}  (${contended.threadChanges})`,
      ...baselines.map((b) => `  baseline ${b.threads}t ${b.sparkline}  ${phases(b)}`),
    );
  }
  lines.push(
    `model ${MiB(facts.fileBytes)} + KV cache ${MiB(facts.kvCacheBytes)} (f16, ${CONTEXT_SIZE} tokens)`,
    `app: replies made greedy via ${app.greedyVia === 'settings' ? 'settings.update' : 'Stop after N pieces (no settings.update)'}; model ready in ${app.loadMs.join(' / ')} ms (first start / restart)`,
    ...result.speedRounds.map(
      (r, i) =>
        `round ${i + 1}: app prompt ${fixed(r.app.promptTokensPerSecond)} tok/s (${r.app.evaluatedTokens} of ${r.app.promptTokens} evaluated; engine TTFT ${r.app.engineTtftMs} ms), ` +
        `generation ${fixed(r.app.generationTokensPerSecond)} tok/s (engine ${fixed(r.app.engineGenerationTokensPerSecond)}); ` +
        `baseline prompt ${fixed(r.baseline.prompt?.tokensPerSecond)}, generation ${fixed(r.baseline.generation?.tokensPerSecond)} tok/s`,
    ),
    `app: follow-up evaluated ${app.followUp.evaluatedTokens} of ${app.followUp.promptTokens} tokens (baseline ${baseline.followUp.followUp?.evaluatedTokens}); engine-side TTFT ${app.followUp.engineTtftMs} ms`,
    `app: follow-up typed in ${app.followUpTyped.typingMs} ms: ${app.followUpTyped.evaluatedTokens} of ${app.followUpTyped.promptTokens} tokens left to evaluate at Enter; engine-side TTFT ${app.followUpTyped.engineTtftMs} ms`,
    `app: follow-up typed, Enter after ${app.followUpTypedReread.typist.enterDelayMs} ms: ${app.followUpTypedReread.evaluatedTokens} of ${app.followUpTypedReread.promptTokens} tokens left to evaluate at Enter; engine-side TTFT ${app.followUpTypedReread.engineTtftMs} ms`,
    `app: after restart evaluated ${app.restart.evaluatedTokens} of ${app.restart.promptTokens} tokens; engine-side TTFT ${app.restart.engineTtftMs} ms; conversation opened in ${app.restart.openConversationMs} ms`,
    `app: after restart, typed in ${app.restartTyped.typingMs} ms: ${app.restartTyped.evaluatedTokens} of ${app.restartTyped.promptTokens} tokens left to evaluate at Enter; engine-side TTFT ${app.restartTyped.engineTtftMs} ms`,
    'typed rows: their baseline is the pasted row\'s (llama.cpp evaluating the message at Send, as it must without the draft)',
  );
  if (baseline.restartFromStateFile?.restart) {
    lines.push(
      `baseline restart from a node-llama-cpp state file (${MiB(baseline.followUp.savedStateBytes ?? 0)}): TTFT ${baseline.restartFromStateFile.restart.ttftMs} ms`,
    );
  }
  for (const [index, peak] of app.memory.entries()) {
    const parts = peak.processes.map((p) => `${p.command.split(' ').slice(-1)[0]?.split('/').pop()} ${MiB(p.peakRss)}`);
    lines.push(`app session ${index + 1} peak ${MiB(peak.peakRss)}: ${parts.join(', ')}`);
  }
  if (result.mmapComparison) lines.push(mmapNotes(result.mmapComparison));
  return lines.join('\n');
}

/** Memory and speed of the baseline with mmap off and on. */
function mmapNotes(comparison: MmapComparison): string {
  const MiB = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
  const lines: string[] = [];
  for (const run of comparison) {
    const at = (label: string): string => {
      const memory = run.result.memory.find((m) => m.at === label)?.memory;
      return memory ? `${MiB(memory.rss)} (anon ${MiB(memory.rssAnon)}, file ${MiB(memory.rssFile)})` : '?';
    };
    lines.push(
      `baseline useMmap=${run.useMmap}: load ${run.result.loadMs} ms; RSS after load ${at('model loaded')}, after generating ${at('after generation')}; peak ${MiB(run.peak.peakRss)}; prompt ${run.result.prompt?.tokensPerSecond.toFixed(1)} tok/s, generation ${run.result.generation?.tokensPerSecond.toFixed(1)} tok/s`,
    );
  }
  return lines.join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
