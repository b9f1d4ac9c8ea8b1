/**
 * Store benchmark (not a test): on a synthetic history (by default 100,000 conversations and 1,000,000 messages, one
 * of them a 10,000-message conversation; built once and cached, see bench-database.ts), copied to a temp folder,
 * measures what the user feels: search latency, the first page of a long conversation, the cost of one streamed
 * batch, the size per message, the check at start — and the start itself (startup-bench.ts): the first paint and the
 * time to ready on a clean start, after a crash and with an update pending.
 *
 *   npx tsx tests/bench/store/store-bench.ts [--conversations N] [--messages N] [--long N] [--queries N] [--seed N]
 *     [--folder DIR] [--keep] [--json out.json]
 *
 * Prints a human summary to stderr and the JSON figures to the `--json` file or stdout.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { IntegrityWalk } from '../../../src-main/node/store/integrity-walk';
import { LATEST_SCHEMA_VERSION } from '../../../src-main/node/store/migrations';
import { openStore } from '../../../src-main/node/store/open-store';
import { cachedHistory, describeShape } from './bench-database';
import { runStartupBench, type StartupBenchResult } from './startup-bench';
import { seededRandom, WordList } from './synthetic-text';

/** What to build and measure. */
export interface StoreBenchOptions {
  conversations?: number;
  messages?: number;
  /** Length of the one long conversation (a single chain). */
  longConversation?: number;
  queries?: number;
  seed?: number;
  /** Folder for the working copy of the history; a new temp folder (deleted afterwards unless `keep`) by default. */
  folder?: string;
  keep?: boolean;
  /** Also measure the start-up (default true). */
  startup?: boolean;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

/** Latency figures, milliseconds unless named otherwise. */
export interface StoreBenchResult {
  conversations: number;
  messages: number;
  buildSeconds: number;
  databaseBytes: number;
  bytesPerMessage: number;
  search: { queries: number; p50Ms: number; p95Ms: number; maxMs: number; meanHits: number };
  firstPage: { messages: number; coldMs: number; p50Ms: number; p95Ms: number };
  streamingBatch: { batches: number; charsPerBatch: number; p50Us: number; p95Us: number };
  /** `PRAGMA quick_check` of the built database (what `check: 'full'` runs at open). */
  openQuickCheckMs: number;
  /** The check at every start (`check: 'walk'`, see integrity-walk.ts) run to the end, and its longest step. */
  integrityWalk: { ms: number; longestStepMs: number };
  /** The start itself: first paint, ready, and the host's answers, in three cases (see startup-bench.ts). */
  startup: StartupBenchResult | null;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Build the history and measure; returns the figures. */
export async function runStoreBench(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const {
    conversations = 100_000,
    messages = 1_000_000,
    longConversation = 10_000,
    queries = 200,
    seed = 42,
    keep = false,
    log = (line: string) => process.stderr.write(`${line}\n`),
  } = options;
  const folder = options.folder ?? mkdtempSync(join(tmpdir(), 'phi-desk-store-bench-'));
  const file = join(folder, 'conversations.sqlite');
  const shape = { conversations, messages, longConversation, seed };
  const random = seededRandom(seed);
  const words = new WordList(random);

  try {
    const history = cachedHistory(shape, LATEST_SCHEMA_VERSION, log);
    const { longId, start, buildSeconds } = history;
    log(`${describeShape(shape)}: copying ${history.file} (it is written to: a reply streams into it)`);
    copyFileSync(history.file, file);

    const openQuickCheckMs = timeQuickCheck(file);
    const integrityWalk = timeIntegrityWalk(file);
    const store = openStore(file, { check: 'never' });
    try {
      // Search: a mix of common and rare words, prefixes, two-word queries, and filtered searches.
      const latencies: number[] = [];
      let hits = 0;
      for (let i = 0; i < queries; i++) {
        const query = queryFor(i, words, random);
        const filter =
          i % 10 === 7 ? { conversationId: longId } : i % 10 === 9 ? { from: start, to: start + 30 * 24 * 3600 * 1000 } : {};
        const started = performance.now();
        hits += store.search.searchMessages(query, { limit: 20, ...filter }).length;
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);

      // First page of the long conversation: cold (first read after open), then warm.
      const coldStarted = performance.now();
      const firstPage = store.tree.listMessagesPage(longId, { limit: 50 });
      const coldMs = performance.now() - coldStarted;
      const pageTimes: number[] = [];
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        store.tree.listMessagesPage(longId, { limit: 50 });
        pageTimes.push(performance.now() - started);
      }
      pageTimes.sort((a, b) => a - b);

      // One streamed reply in the long conversation, written in batches of ~16 tokens.
      const leaf = firstPage.messages.at(-1)!;
      const reply = store.conversations.appendMessage({ conversationId: longId, parentId: leaf.id, role: 'assistant', content: '', status: 'streaming' });
      const batchTimes: number[] = [];
      let chars = 0;
      for (let i = 0; i < 500; i++) {
        const batch = `${words.text(16, 16).slice(0, -1)} `;
        chars += batch.length;
        const started = process.hrtime.bigint();
        store.conversations.appendToMessage(reply.id, batch);
        batchTimes.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      store.conversations.finishMessage(reply.id, { status: 'complete' });
      batchTimes.sort((a, b) => a - b);

      store.close();
      const databaseBytes = statSync(file).size;

      const result: StoreBenchResult = {
        conversations,
        messages,
        buildSeconds: round(buildSeconds, 1),
        databaseBytes,
        bytesPerMessage: round(databaseBytes / messages, 0),
        search: {
          queries,
          p50Ms: round(percentile(latencies, 50)),
          p95Ms: round(percentile(latencies, 95)),
          maxMs: round(latencies.at(-1) ?? Number.NaN),
          meanHits: round(hits / queries, 1),
        },
        firstPage: {
          messages: firstPage.messages.length,
          coldMs: round(coldMs),
          p50Ms: round(percentile(pageTimes, 50), 3),
          p95Ms: round(percentile(pageTimes, 95), 3),
        },
        streamingBatch: {
          batches: batchTimes.length,
          charsPerBatch: round(chars / batchTimes.length, 0),
          p50Us: round(percentile(batchTimes, 50), 0),
          p95Us: round(percentile(batchTimes, 95), 0),
        },
        openQuickCheckMs: round(openQuickCheckMs, 0),
        integrityWalk,
        startup: null,
      };
      log(summary(result));
      if (options.startup ?? true) result.startup = await runStartupBench({ shape, log });
      return result;
    } finally {
      store.close();
    }
  } finally {
    if (!keep && !options.folder) rmSync(folder, { recursive: true, force: true });
  }
}

/** `PRAGMA quick_check` on a connection of its own, ms. */
function timeQuickCheck(file: string): number {
  const db = new Sqlite(file, { readonly: true });
  try {
    const started = performance.now();
    const result = db.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(`the built database fails quick_check: ${String(result)}`);
    return performance.now() - started;
  } finally {
    db.close();
  }
}

/** The check at every start, walked to the end one step at a time, with its longest step. */
function timeIntegrityWalk(file: string): StoreBenchResult['integrityWalk'] {
  const started = performance.now();
  const walk = new IntegrityWalk(file);
  let longest = 0;
  for (;;) {
    const stepStarted = performance.now();
    const verdict = walk.runFor(0.001);
    longest = Math.max(longest, performance.now() - stepStarted);
    if (verdict?.state === 'intact') break;
    if (verdict) throw new Error(`the check of the built database failed: ${JSON.stringify(verdict)}`);
  }
  return { ms: round(performance.now() - started, 0), longestStepMs: round(longest, 1) };
}

/** Query `i`: rotate through kinds so every run has the same mix. */
function queryFor(i: number, words: WordList, random: () => number): string {
  const rank = (low: number, high: number) => words.words[low + Math.floor(random() * (high - low))]!;
  switch (i % 5) {
    case 0:
      return rank(0, 50); // a very common word
    case 1:
      return rank(1000, 20_000); // a rare word
    case 2:
      return rank(50, 2000).slice(0, 3); // a 3-letter prefix, as typed
    case 3:
      return `${rank(0, 500)} ${rank(500, 5000)}`; // two words
    default:
      return `${rank(100, 3000).slice(0, 4)} ${rank(0, 200)}`; // prefix and a common word
  }
}

function summary(result: StoreBenchResult): string {
  return [
    `database: ${(result.databaseBytes / 1e6).toFixed(0)} MB, ${result.bytesPerMessage} bytes per message`,
    `search (${result.search.queries} queries): p50 ${result.search.p50Ms} ms, p95 ${result.search.p95Ms} ms, max ${result.search.maxMs} ms (target p95 < 50 ms)`,
    `first page of a ${result.firstPage.messages}-message page of the long conversation: cold ${result.firstPage.coldMs} ms, warm p50 ${result.firstPage.p50Ms} ms (target < 50 ms)`,
    `streaming batch (~${result.streamingBatch.charsPerBatch} chars): p50 ${result.streamingBatch.p50Us} µs, p95 ${result.streamingBatch.p95Us} µs`,
    `quick_check: ${result.openQuickCheckMs} ms; the check at every start: ${result.integrityWalk.ms} ms (longest step ${result.integrityWalk.longestStepMs} ms)`,
  ].join('\n');
}

function parseArguments(argv: string[]): StoreBenchOptions & { json?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'string' },
      folder: { type: 'string' },
      keep: { type: 'boolean' },
      conversations: { type: 'string' },
      messages: { type: 'string' },
      long: { type: 'string' },
      queries: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const options: StoreBenchOptions & { json?: string } = {};
  const set = <K extends keyof typeof options>(key: K, value: (typeof options)[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('json', values.json);
  set('folder', values.folder);
  set('keep', values.keep);
  set('conversations', number(values.conversations));
  set('messages', number(values.messages));
  set('longConversation', number(values.long));
  set('queries', number(values.queries));
  set('seed', number(values.seed));
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { json, ...options } = parseArguments(process.argv.slice(2));
  const result = await runStoreBench(options);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (json) writeFileSync(json, text);
  else process.stdout.write(text);
}
