/**
 * Start-up benchmark (not a test): how soon the window is there and how soon it can be used, on a big history, in
 * three cases — a clean start, a start after a crash (the database's log left behind: the check reads the whole file
 * while the app is in use), and a start with an update pending (schema version 4: every message indexed again) — and
 * how fast the host answers throughout.
 *
 * The host is the browser host run from an esbuild bundle by plain Node (as the desktop app runs its main process),
 * on a copy of the cached history (see bench-database.ts); the page is the built renderer in Chromium. Times are from
 * spawning the host's process:
 * - first paint: the page's first contentful paint (the start-up panel, or the app);
 * - ready: the host says the conversations are open (`app.getStartup`), and the page shows them;
 * - checked: the background check for damage has read the whole file;
 * - ping: a client calls `app.getStartup` every 50 ms from the moment the host listens until the check is done; the
 *   slowest answer is the longest the host kept anyone waiting.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { RpcClient } from '../../../src-main/common/rpc';
import { DATABASE_FILE } from '../../../src-main/node/host/compose';
import { ensureRendererBuilt } from '../../../src-main/node/host/renderer-build';
import { createWebSocketTransport } from '../../../src-main/node/host/ws-transport';
import { LATEST_SCHEMA_VERSION } from '../../../src-main/node/store/migrations';
import { bundleBackupWorker, bundleEngineWorker, ESM_BUNDLE } from '../../../scripts/engine-worker-bundle';
import { launchChromium } from '../../e2e/support/chromium';
import { cachedHistory, PRE_SEARCH_SPEED_VERSION, type HistoryShape } from './bench-database';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
const BUNDLE_DIR = join(ROOT, '.cache', 'bench', 'startup');

/** The three starts measured. */
export type StartupCase = 'clean' | 'after a crash' | 'update pending';

/** One start, ms from spawning the host's process. */
export interface StartupCaseResult {
  case: StartupCase;
  /** The host listens (the page can be asked for). */
  listeningMs: number;
  /** The page's navigation begins (the benchmark's browser gets the URL once the host prints it). */
  navigationMs: number;
  /** The page's first contentful paint. */
  firstPaintMs: number;
  /** The host says the conversations are open. */
  readyMs: number;
  /** The page shows the conversation list. */
  pageReadyMs: number;
  /** The background check has read the whole file. */
  checkedMs: number;
  /**
   * `app.getStartup` answered every 50 ms: while the conversations open (listening to ready), and after (ready to
   * checked: the page's first calls come then, `conversations.list` of every conversation among them).
   */
  ping: { opening: PingFigures; afterReady: PingFigures };
  /** The longest the host's event loop was held up from its start until closed (Node's `monitorEventLoopDelay`). */
  loopDelayMaxMs: number;
  /** The page shows the start-up panel's heading, or the conversations (whichever the start calls for). */
  panelMs: number;
  /** The machine's 1-minute load average when the case began and ended (the machine may be shared). */
  loadAverage: [number, number];
}

/** How fast the host answered: how many pings, the slowest, and the 99th percentile, ms. */
export interface PingFigures {
  count: number;
  maxMs: number;
  p99Ms: number;
}

export interface StartupBenchResult {
  messages: number;
  cases: StartupCaseResult[];
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const round = (value: number): number => Math.round(value);

/** Measure the three starts on the cached history of `shape` (built first if needed). */
export async function runStartupBench(options: { shape: HistoryShape; log: (line: string) => void }): Promise<StartupBenchResult> {
  const { shape, log } = options;
  const current = cachedHistory(shape, LATEST_SCHEMA_VERSION, log);
  const older = cachedHistory(shape, PRE_SEARCH_SPEED_VERSION, log);
  await ensureRendererBuilt(RENDERER_DIR, log);
  const host = await bundleHost();
  const browser = await launchChromium();
  const cases: StartupCaseResult[] = [];
  try {
    // A user's browser is running already, and the desktop app's window is drawn by an Electron that has started:
    // the first page a fresh Chromium opens costs it ~0.5 s more, which is not the app's start-up. Paid here, once.
    const warm = await browser.newPage();
    await warm.setContent('<p>warming up</p>');
    await warm.close();
    for (const [name, file] of [
      ['clean', current.file],
      ['after a crash', current.file],
      ['update pending', older.file],
    ] as const) {
      log(`start-up, ${name}: copying ${file}`);
      const dataDir = mkdtempSync(join(tmpdir(), 'phi-desk-startup-bench-'));
      try {
        copyFileSync(file, join(dataDir, DATABASE_FILE));
        if (name === 'after a crash') await crashWhileWriting(join(dataDir, DATABASE_FILE));
        // The 1.5 GB copy on disk before the host starts: otherwise its write-back lands in the start being measured
        // (the host's CPU profile showed a file open of the page's assets waiting ~200 ms), which no user's start has.
        execFileSync('sync');
        const result = await measureStart(name, host, dataDir, browser, log);
        log(describe(result));
        cases.push(result);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
  }
  return { messages: shape.messages, cases };
}

/**
 * The host, the store's process, the engine worker and the backup worker bundled side by side (each finds the others
 * beside it).
 */
async function bundleHost(): Promise<string> {
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const common = { ...ESM_BUNDLE, target: 'node20' } as const;
  await Promise.all([
    build({ ...common, entryPoints: [join(ROOT, 'tests/bench/store/startup-host.ts')], outfile: join(BUNDLE_DIR, 'startup-host.js') }),
    build({ ...common, entryPoints: [join(ROOT, 'src-main/node/host/startup/store-process.ts')], outfile: join(BUNDLE_DIR, 'store-process.js') }),
    bundleEngineWorker(join(BUNDLE_DIR, 'engine-worker.js')),
    bundleBackupWorker(join(BUNDLE_DIR, 'backup-worker.js'), 'node20'),
  ]);
  return join(BUNDLE_DIR, 'startup-host.js');
}

/**
 * Leave the database as a crash does: another process writes a conversation into it and is killed (SIGKILL) with
 * the database open, its log (WAL) and index (SHM) left behind.
 */
async function crashWhileWriting(file: string): Promise<void> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    const id = 'crash-' + Date.now();
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, 'Written before the crash', 0, 0)").run(id);
    let parent = null;
    for (let seq = 1; seq <= 50; seq++) {
      const mid = id + '-' + seq;
      db.prepare("INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at) VALUES (?, ?, ?, ?, 'user', 'before the crash', 'complete', 0)").run(mid, id, parent, seq);
      parent = mid;
    }
    process.stdout.write('written\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('written')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before writing`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function measureStart(name: StartupCase, hostScript: string, dataDir: string, browser: Browser, log: (line: string) => void): Promise<StartupCaseResult> {
  const loadAtStart = loadavg()[0]!;
  const spawnedAt = Date.now();
  const since = (): number => Date.now() - spawnedAt;
  // PHI_DESK_BENCH_PROFILE=<dir>: a CPU profile of each host (for DevTools), to find what holds its event loop.
  const profile = process.env.PHI_DESK_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PHI_DESK_BENCH_PROFILE}`] : [];
  const host = spawn(process.execPath, [...profile, hostScript, dataDir, RENDERER_DIR], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const times: { listening?: number; ready?: number; checked?: number; loopDelayMaxMs?: number } = {};
  let url = '';
  const waiters: Array<() => void> = [];
  let failure: string | null = null;
  let lines = '';
  host.stdout.on('data', (chunk: Buffer) => {
    lines += chunk.toString();
    for (;;) {
      const end = lines.indexOf('\n');
      if (end < 0) break;
      const message = JSON.parse(lines.slice(0, end)) as { t: string; url?: string; message?: string; loopDelayMaxMs?: number };
      lines = lines.slice(end + 1);
      if (message.t === 'listening') {
        times.listening = since();
        url = message.url!;
      }
      if (message.t === 'ready') times.ready = since();
      if (message.t === 'checked') times.checked = since();
      if (message.t === 'closing') times.loopDelayMaxMs = message.loopDelayMaxMs ?? Number.NaN;
      if (message.t === 'failed') failure = message.message ?? 'failed';
      for (const waiter of waiters.splice(0)) waiter();
    }
  });
  // 'close': the process has ended and its output is all read (the last line comes as it closes).
  const exited = new Promise<void>((resolve) =>
    host.once('close', () => {
      for (const waiter of waiters.splice(0)) waiter();
      resolve();
    }),
  );
  const until = async (done: () => boolean, what: string): Promise<void> => {
    while (!done()) {
      if (failure !== null) throw new Error(`the host failed: ${failure}`);
      if (host.exitCode !== null) throw new Error(`the host exited before ${what}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  try {
    await until(() => times.listening !== undefined, 'listening');
    const page = await browser.newPage();
    const pinging = ping(
      new URL(url),
      () => times.ready !== undefined,
      () => times.checked !== undefined || failure !== null || host.exitCode !== null,
    );
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, { timeout: 60_000 });
    const [navigatedAt, paintedAt] = await page.evaluate(() => [
      performance.timeOrigin,
      performance.timeOrigin + performance.getEntriesByName('first-contentful-paint')[0]!.startTime,
    ]);
    const firstPaintMs = Math.round(paintedAt! - spawnedAt);
    const conversations = page.getByRole('navigation', { name: 'Conversations' });
    await page.getByRole('heading', { name: 'Opening your conversations' }).or(conversations).first().waitFor({ timeout: 60_000 });
    const panelMs = since();
    log(`  first paint ${firstPaintMs} ms, panel or app ${panelMs} ms; waiting for the conversations`);
    await conversations.waitFor({ timeout: 60 * 60_000 });
    const pageReadyMs = since();
    await until(() => times.ready !== undefined, 'ready');
    await until(() => times.checked !== undefined, 'the check');
    const latencies = await pinging;
    await page.close();
    host.kill('SIGINT');
    await exited;
    return {
      case: name,
      listeningMs: times.listening!,
      navigationMs: Math.round(navigatedAt! - spawnedAt),
      firstPaintMs,
      panelMs,
      readyMs: times.ready!,
      pageReadyMs,
      checkedMs: times.checked!,
      ping: { opening: figures(latencies.opening), afterReady: figures(latencies.afterReady) },
      loopDelayMaxMs: times.loopDelayMaxMs!,
      loadAverage: [Number(loadAtStart.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
    };
  } finally {
    if (host.exitCode === null && host.signalCode === null) host.kill('SIGINT');
    await exited;
  }
}

/** Call `app.getStartup` every 50 ms until `done`; the round-trip times before and after `ready`. */
async function ping(url: URL, ready: () => boolean, done: () => boolean): Promise<{ opening: number[]; afterReady: number[] }> {
  const socket = new WebSocket(`ws://${url.host}/rpc?token=${url.searchParams.get('token')}`, { headers: { Origin: url.origin } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const client = new RpcClient(createWebSocketTransport(socket));
  const latencies = { opening: [] as number[], afterReady: [] as number[] };
  try {
    while (!done()) {
      const before = ready();
      const started = performance.now();
      await client.call('app.getStartup', {});
      (before ? latencies.afterReady : latencies.opening).push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    socket.close();
  }
  return latencies;
}

function figures(latencies: number[]): PingFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, maxMs: round(sorted.at(-1) ?? Number.NaN), p99Ms: round(percentile(sorted, 99)) };
}

function describe(result: StartupCaseResult): string {
  const seconds = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
  return (
    `  ${result.case}: listening ${seconds(result.listeningMs)}, page navigates ${seconds(result.navigationMs)}, first paint ` +
    `${seconds(result.firstPaintMs)}, panel or app ` +
    `${seconds(result.panelMs)}, ready ${seconds(result.readyMs)} (page ${seconds(result.pageReadyMs)}), checked ` +
    `${seconds(result.checkedMs)}; answers while opening: max ${result.ping.opening.maxMs} ms, p99 ${result.ping.opening.p99Ms} ms ` +
    `(${result.ping.opening.count}); after: max ${result.ping.afterReady.maxMs} ms (${result.ping.afterReady.count}); ` +
    `host event loop held up ${result.loopDelayMaxMs} ms at most; load ${result.loadAverage.join(' → ')}`
  );
}
