import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChatTurn } from '../../../src-main/node/engine/port';
import { formatPhi2Prompt } from '../../../src-main/node/engine/phi2-format';
import { AppClient, type TimedReply, type Typist } from './app-client';
import type { AppHostReady, AppHostRequest, AppHostResult } from './app-host-worker';
import type { BaselineRequest, BaselineResult, LlamaSettings } from './baseline-worker';
import { TreeMemorySampler, type TreeMemoryPeak } from './proc-memory';
import { build } from 'esbuild';
import { bundleBackupWorker, bundleEngineWorker, ESM_BUNDLE } from '../../../scripts/engine-worker-bundle';
import { PromptTokenizer } from './prompt-texts';
import { burnDuring, describeThreadChanges, phaseRates, sparkline, threadChangesFromLog, threadLine, type BurnWindow, type PhaseRates } from './contention';
import { readFileSync } from 'node:fs';
import { startWorker, stopAllWorkers, type Worker } from './worker-process';
import type { KeyTypeQuality } from './kv-key-quality';
import type { KeyQualityRequest } from './kv-quality-worker';

/**
 * The engine benchmark: the app's full path (a client speaking the contract over the browser host's WebSocket →
 * chat service → engine → store, in a host process of its own) against node-llama-cpp's lowest-level API on the
 * same model, same threads, same context size, same prompts. The app runs first (its replies become the baseline's
 * transcript); the baseline runs after it; nothing runs concurrently.
 *
 * One conversation carries every scenario:
 *  1. a 128-token prompt, then a 128-token greedy reply: prompt tok/s and generation tok/s;
 *  2. a long message that brings the conversation to a ~1,500-token history (short reply);
 *  3. a short follow-up, pasted (sent whole, the app learns of it only at Send): time to first token with the history
 *     in the KV cache; then the same follow-up typed key by key (`TYPIST`), the app told of the draft as the chat
 *     window tells it (`chat.prepare`), timed from Enter;
 *  4. the host is closed and started again on the same data folder, the conversation opened (as the window opens it),
 *     and another follow-up pasted: time to first token after a restart (whatever the app does: re-evaluate, or
 *     restore); then once more, that follow-up typed.
 * The typed scenarios have no baseline of their own: theirs is the pasted one's, llama.cpp evaluating the same
 * message at send, as it must without being told of the draft.
 */
export interface EngineBenchOptions {
  /** Same threads, context size and mmap setting as the app uses. */
  settings: LlamaSettings;
  promptTokens?: number;
  generateTokens?: number;
  historyTokens?: number;
  /** Also measure node-llama-cpp's state-file restore as a second restart baseline (writes the KV state to disk). */
  stateFileBaseline?: boolean;
  /** Also load the model in the baseline with mmap on and off and compare memory and speed. */
  mmapComparison?: boolean;
  /**
   * The pause before each follow-up and before quitting, as a user reads and types (default 3 s): whatever the app
   * does when idle (such as saving the conversation's KV state) happens in it, as it would for a person.
   */
  thinkMs?: number;
  /** Rounds of the speed scenario, app and baseline alternating; the best of each counts. Default 3. */
  speedRounds?: number;
  /**
   * The baseline's thread counts in the speed and contention scenarios (default 1…`settings.threads`): the app, on
   * `auto`, is compared with the best of them.
   */
  threadCounts?: number[];
  /** The contention scenario: a reply of `tokens` tokens with one core burnt in `window`; `false` skips it. */
  contention?: { window: BurnWindow; tokens: number } | false;
  log?: (line: string) => void;
}

/** One round of the speed scenario: the app, then the baseline, on the same 128-token prompt. */
export interface SpeedRound {
  app: {
    promptTokens: number;
    evaluatedTokens: number;
    ttftMs: number;
    engineTtftMs: number | null;
    promptTokensPerSecond: number;
    generatedTokens: number;
    streamMs: number;
    generationTokensPerSecond: number;
    engineGenerationTokensPerSecond: number | null;
  };
  /** The baseline at the app's thread count (`settings.threads`). */
  baseline: BaselineResult;
  /** The baseline at each thread count of `threadCounts`. */
  baselines: Array<{ threads: number; result: BaselineResult }>;
}

/** One reply under contention: its speed before, during and after the burn, and per second. */
export interface ContendedReply {
  tokens: number;
  rates: PhaseRates;
  /** Tokens per second, one bar per second. */
  sparkline: string;
}

export interface ContentionFigures {
  window: BurnWindow;
  app: ContendedReply & {
    threadChanges: string;
    /** The thread count each second (digits), from the app's log. */
    threadLine: string;
    /**
     * From the burner's end until the app writes at ≥ 0.9× its best idle speed again (over a 2-s window); `null` if it
     * never did before the reply ended.
     */
    recoveryMs: number | null;
  };
  baselines: Array<{ threads: number } & ContendedReply>;
}

export interface AppFigures {
  greedyVia: 'settings' | 'stop';
  loadMs: number[];
  /** The best round of each (noise on a shared machine only ever slows things down). */
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
  history: { promptTokens: number; ttftMs: number };
  followUp: ReplyFigures;
  followUpTyped: TypedReplyFigures;
  followUpTypedReread: TypedReplyFigures;
  restart: ReplyFigures & { openConversationMs: number };
  restartTyped: TypedReplyFigures & { openConversationMs: number };
  memory: TreeMemoryPeak[];
  peakRss: number;
}

export interface ReplyFigures {
  promptTokens: number;
  evaluatedTokens: number | null;
  ttftMs: number;
  engineTtftMs: number | null;
}

export interface TypedReplyFigures extends ReplyFigures {
  typist: Typist;
  /** From the first key to Enter. */
  typingMs: number;
}

/**
 * A fast typist (84 words a minute) who presses Enter 150 ms after the last key: the hard case for evaluating ahead,
 * as the message's last word and the prompt's `\nOutput:` can only be evaluated after the last key.
 */
export const TYPIST: Typist = { charsPerSecond: 7, enterDelayMs: 150 };
/** The same typist glancing over the message for a second before Enter. */
export const TYPIST_WHO_REREADS: Typist = { charsPerSecond: 7, enterDelayMs: 1000 };

export interface EngineBenchResult {
  settings: LlamaSettings;
  app: AppFigures;
  speedRounds: SpeedRound[];
  baseline: {
    promptTokensPerSecond: number;
    generationTokensPerSecond: number;
    followUp: BaselineResult;
    restart: BaselineResult;
    restartFromStateFile?: BaselineResult;
    peakRss: number;
    memory: TreeMemoryPeak[];
  };
  mmapComparison?: MmapComparison;
  /** The baseline's best thread count on a free machine (generation), and its figures at every count. */
  threads: {
    best: number;
    byCount: Array<{ threads: number; promptTokensPerSecond: number; generationTokensPerSecond: number }>;
  };
  contention?: ContentionFigures;
}

const WARMUP_TEXT = 'Hello! Who are you?';
const FOLLOW_UP_TEXT = 'Thank you. Could you say that again, more briefly?';
const AFTER_RESTART_TEXT = 'I am back. What was the main point again?';

export async function runEngineBench(options: EngineBenchOptions): Promise<EngineBenchResult> {
  const { settings, promptTokens = 128, generateTokens = 128, historyTokens = 1500, thinkMs = 3000, speedRounds = 3 } = options;
  const threadCounts = options.threadCounts ?? Array.from({ length: settings.threads }, (_, i) => i + 1);
  const think = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, thinkMs));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const format = (list: readonly ChatTurn[]): string => formatPhi2Prompt({ turns: list });
  const warmupText = format([{ role: 'user', content: WARMUP_TEXT }]);
  const dataDir = mkdtempSync(join(tmpdir(), 'phi-desk-bench-data-'));
  const tokenizer = await PromptTokenizer.open(settings.modelPath);
  try {
    // The engine process runs the bundle the desktop app ships, and the host is bundled as the desktop app bundles
    // its main process: not the TypeScript source under tsx's loader, which adds ~40 MiB to each process (both
    // inside the project, so that their packages resolve from node_modules).
    const engineEntry = resolve('.cache/bench/engine-worker.js');
    await Promise.all([
      bundleEngineWorker(engineEntry),
      build({ ...ESM_BUNDLE, target: 'node20', entryPoints: ['tests/bench/engine/app-host-worker.ts'], outfile: APP_HOST_BUNDLE }),
      // The process the host opens the store in and the daily backup's thread, found next to the host's bundle.
      build({ ...ESM_BUNDLE, target: 'node20', entryPoints: ['src-main/node/host/startup/store-process.ts'], outfile: resolve('.cache/bench/store-process.js') }),
      bundleBackupWorker(resolve('.cache/bench/backup-worker.js'), 'node20'),
    ]);
    const hostRequest: AppHostRequest = { dataDir, modelPath: settings.modelPath, engineEntry };
    log('app: starting the browser host');
    const first = await startHost(hostRequest, log);
    let client = await AppClient.connect(first.ready.port, first.ready.token);
    const greedy = await client.setGreedy(4);
    const cut = (tokens: number): number | undefined => (greedy ? undefined : tokens);
    if (!greedy) log('app: settings.update is not available; replies are stopped after N streamed pieces instead');
    const warmup = await client.rpc.call('conversations.create', { title: 'Warm-up' });
    await client.send(warmup.id, WARMUP_TEXT, cut(4));
    const conversation = await client.rpc.call('conversations.create', { title: 'Benchmark' });

    const turns: ChatTurn[] = [];
    const send = async (conversationId: string, text: string, maxTokens: number): Promise<TimedReply> => {
      if (greedy) await client.setGreedy(maxTokens);
      const reply = await client.send(conversationId, text, cut(maxTokens));
      if (reply.message.status === 'error') throw new Error(`the app failed to reply: ${reply.message.error}`);
      return reply;
    };
    const exchange = async (text: string, maxTokens: number): Promise<TimedReply> => {
      const reply = await send(conversation.id, text, maxTokens);
      turns.push({ role: 'user', content: text }, { role: 'assistant', content: reply.message.content });
      return reply;
    };

    // Speed, in rounds that alternate the app and the baseline (the app's host idles while the baseline runs).
    // Every round has its own prompt text, so no round can reuse another's KV cache.
    const rounds: SpeedRound[] = [];
    for (let round = 1; round <= speedRounds; round++) {
      log(`app: ${promptTokens}-token prompt, ${generateTokens}-token reply (round ${round} of ${speedRounds})`);
      const text = tokenizer.userMessageFor([], promptTokens, round);
      const reply =
        round === 1
          ? await exchange(text, generateTokens)
          : await send((await client.rpc.call('conversations.create', { title: `Speed ${round}` })).id, text, generateTokens);
      const app = speedFigures(reply, tokenizer.promptTokens([{ role: 'user', content: text }]));
      log(`baseline: the same prompt and reply length (round ${round} of ${speedRounds})`);
      const job = {
        job: 'speed' as const,
        settings,
        warmupText,
        promptText: format([{ role: 'user', content: text }]),
        generateTokens: app.generatedTokens > 0 ? app.generatedTokens : generateTokens,
      };
      const baselines: SpeedRound['baselines'] = [];
      for (const threads of threadCounts) {
        log(`baseline: ${threads} thread(s)`);
        baselines.push({ threads, result: (await runBaseline({ ...job, settings: { ...settings, threads } })).result });
      }
      const atAppCount = baselines.find((b) => b.threads === settings.threads) ?? baselines.at(-1)!;
      rounds.push({ app, baseline: atAppCount.result, baselines });
    }

    let contention: ContentionFigures | undefined;
    if (options.contention) {
      const { window, tokens } = options.contention;
      log(`app: a ${tokens}-token reply with one core taken by another process from +${window.afterMs / 1000} s for ${window.forMs / 1000} s`);
      const text = tokenizer.userMessageFor([], 64, 77);
      if (greedy) await client.setGreedy(tokens);
      const contended = (await client.rpc.call('conversations.create', { title: 'Contention' })).id;
      let firstWallClock = 0;
      let stopBurning: (() => Promise<void>) | null = null;
      const reply = await client.send(contended, text, cut(tokens), (at) => {
        firstWallClock = Date.now();
        stopBurning = burnDuring(window, at);
      });
      await (stopBurning as (() => Promise<void>) | null)?.();
      const logFile = join(dataDir, 'logs', 'phi-desk.log');
      let logText = '';
      try {
        logText = readFileSync(logFile, 'utf8');
      } catch {
        // no log yet: no change was written
      }
      const logged = threadChangesFromLog(logText);
      const changes = logged.filter((change) => change.at >= firstWallClock);
      const before = logged.filter((change) => change.at < firstWallClock).at(-1);
      const generated = reply.message.stats?.generatedTokens ?? reply.deltas;
      const seconds = Math.ceil((reply.deltaTimes.at(-1) ?? 0) / 1000);
      const app = {
        tokens: generated,
        rates: phaseRates(reply.deltaTimes, window),
        sparkline: sparkline(reply.deltaTimes, 1000),
        threadChanges: describeThreadChanges(changes, firstWallClock),
        threadLine: threadLine(changes, before ? before.to : settings.threads, firstWallClock, seconds),
        recoveryMs: recoveryMs(reply.deltaTimes, window, idleBest(rounds)),
      };
      const baselines: ContentionFigures['baselines'] = [];
      for (const threads of threadCounts) {
        log(`baseline: the same reply on ${threads} thread(s), the same core taken`);
        const run = await runBaseline({
          job: 'speed',
          settings: { ...settings, threads },
          warmupText,
          promptText: format([{ role: 'user', content: text }]),
          generateTokens: generated > 0 ? generated : tokens,
          burn: window,
        });
        const times = run.result.generation?.tokenTimes ?? [];
        baselines.push({ threads, tokens: times.length, rates: phaseRates(times, window), sparkline: sparkline(times, 1000) });
      }
      contention = { window, app, baselines };
    }

    log(`app: a long message to reach a ${historyTokens}-token history`);
    const reply2Tokens = 16;
    const r2 = await exchange(tokenizer.userMessageFor(turns, historyTokens - reply2Tokens, 1000), reply2Tokens);
    const historyTurns = [...turns];
    log('app: follow-up');
    await think();
    const r3 = await exchange(FOLLOW_UP_TEXT, 8);
    const followUpTurns = turns.slice(0, -1);
    await think();
    log('app: the same follow-up, typed');
    const typedExchange = async (text: string, typist = TYPIST): Promise<TimedReply & { typingMs: number }> => {
      if (greedy) await client.setGreedy(8);
      const reply = await client.typeAndSend(conversation.id, text, typist, cut(8));
      if (reply.message.status === 'error') throw new Error(`the app failed to reply: ${reply.message.error}`);
      turns.push({ role: 'user', content: text }, { role: 'assistant', content: reply.message.content });
      return reply;
    };
    const r3t = await typedExchange(FOLLOW_UP_TEXT);
    const followUpTypedTurns = turns.slice(0, -1);
    await think();
    log('app: the same follow-up, typed and looked over for a second before Enter');
    const r3r = await typedExchange(FOLLOW_UP_TEXT, TYPIST_WHO_REREADS);
    const followUpRereadTurns = turns.slice(0, -1);
    await think();
    const memory1 = first.stop();
    client.close();
    await first.close();

    const restartAndOpen = async (): Promise<{ host: RunningHost; openConversationMs: number }> => {
      log('app: restarting the browser host');
      const host = await startHost(hostRequest, log);
      client = await AppClient.connect(host.ready.port, host.ready.token);
      return { host, openConversationMs: await client.open(conversation.id) };
    };
    const second = await restartAndOpen();
    log('app: follow-up after the restart, pasted');
    await think();
    const r4 = await exchange(AFTER_RESTART_TEXT, 8);
    const restartTurns = turns.slice(0, -1);
    const memory2 = second.host.stop();
    client.close();
    await second.host.close();

    const third = await restartAndOpen();
    log('app: follow-up after the restart, typed');
    const r4t = await typedExchange(AFTER_RESTART_TEXT);
    const restartTypedTurns = turns.slice(0, -1);
    const memory3 = third.host.stop();
    client.close();
    await third.host.close();

    const best = (values: number[]): number => Math.max(...values);
    const app: AppFigures = {
      greedyVia: greedy ? 'settings' : 'stop',
      loadMs: [first.ready.loadMs, second.host.ready.loadMs, third.host.ready.loadMs],
      promptTokensPerSecond: best(rounds.map((r) => r.app.promptTokensPerSecond)),
      generationTokensPerSecond: best(rounds.map((r) => r.app.generationTokensPerSecond)),
      history: { promptTokens: r2.message.stats?.promptTokens ?? tokenizer.promptTokens(historyTurns.slice(0, -1)), ttftMs: r2.ttftMs },
      followUp: replyFigures(r3, tokenizer.promptTokens(followUpTurns)),
      followUpTyped: { ...replyFigures(r3t, tokenizer.promptTokens(followUpTypedTurns)), typist: TYPIST, typingMs: r3t.typingMs },
      followUpTypedReread: {
        ...replyFigures(r3r, tokenizer.promptTokens(followUpRereadTurns)),
        typist: TYPIST_WHO_REREADS,
        typingMs: r3r.typingMs,
      },
      restart: { ...replyFigures(r4, tokenizer.promptTokens(restartTurns)), openConversationMs: second.openConversationMs },
      restartTyped: {
        ...replyFigures(r4t, tokenizer.promptTokens(restartTypedTurns)),
        typist: TYPIST,
        typingMs: r4t.typingMs,
        openConversationMs: third.openConversationMs,
      },
      memory: [memory1, memory2, memory3],
      peakRss: Math.max(memory1.peakRss, memory2.peakRss, memory3.peakRss),
    };

    const stateFile = options.stateFileBaseline ? join(dataDir, 'baseline-state.bin') : undefined;
    log('baseline: follow-up after the same history');
    const b1 = await runBaseline({
      job: 'followUp',
      settings,
      warmupText,
      historyText: format(historyTurns),
      followUpText: format(followUpTurns),
      ...(stateFile ? { saveStateTo: stateFile } : {}),
    });
    log('baseline: restart (load the model, evaluate the whole conversation)');
    const b2 = await runBaseline({ job: 'restart', settings, promptText: format(restartTurns) });
    let b3: Awaited<ReturnType<typeof runBaseline>> | undefined;
    if (stateFile) {
      log('baseline: restart from a node-llama-cpp state file');
      b3 = await runBaseline({ job: 'restart', settings, promptText: format(restartTurns), loadStateFrom: stateFile });
      rmSync(stateFile, { force: true });
    }

    const mmapComparison = options.mmapComparison ? await runMmapComparison(settings, format(turns.slice(0, 1)), log) : undefined;

    const byCount = threadCounts.map((threads) => {
      const at = rounds.map((r) => r.baselines.find((b) => b.threads === threads)?.result);
      return {
        threads,
        promptTokensPerSecond: best(at.map((b) => b?.prompt?.tokensPerSecond ?? 0)),
        generationTokensPerSecond: best(at.map((b) => b?.generation?.tokensPerSecond ?? 0)),
      };
    });
    const bestCount = byCount.reduce((a, b) => (b.generationTokensPerSecond > a.generationTokensPerSecond ? b : a));
    return {
      settings,
      app,
      speedRounds: rounds,
      threads: { best: bestCount.threads, byCount },
      ...(contention ? { contention } : {}),
      baseline: {
        // The best thread count's (the app on `auto` must match the fastest the machine allows).
        promptTokensPerSecond: best(byCount.map((c) => c.promptTokensPerSecond)),
        generationTokensPerSecond: bestCount.generationTokensPerSecond,
        followUp: b1.result,
        restart: b2.result,
        ...(b3 ? { restartFromStateFile: b3.result } : {}),
        peakRss: Math.max(b1.peak.peakRss, b2.peak.peakRss, ...rounds.flatMap((r) => r.baselines.map((b) => b.result.scenarioPeakRss))),
        memory: [b1.peak, b2.peak],
      },
      ...(mmapComparison ? { mmapComparison } : {}),
    };
  } finally {
    stopAllWorkers(); // only after a failure is anything still running
    await tokenizer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function speedFigures(reply: TimedReply, promptTokens: number): SpeedRound['app'] {
  const stats = reply.message.stats;
  const evaluated = stats?.evaluatedPromptTokens ?? promptTokens;
  const generated = stats?.generatedTokens ?? reply.deltas;
  return {
    promptTokens: stats?.promptTokens ?? promptTokens,
    evaluatedTokens: evaluated,
    ttftMs: reply.ttftMs,
    engineTtftMs: stats?.timeToFirstTokenMs ?? null,
    promptTokensPerSecond: evaluated / (reply.ttftMs / 1000),
    generatedTokens: generated,
    streamMs: reply.streamMs,
    generationTokensPerSecond: generated > 1 ? (generated - 1) / (reply.streamMs / 1000) : 0,
    engineGenerationTokensPerSecond: stats?.tokensPerSecond ?? null,
  };
}

/** One run of the baseline per mmap setting: memory after loading, peak, load time, and speed. */
export type MmapComparison = Array<{ useMmap: boolean; result: BaselineResult; peak: TreeMemoryPeak }>;

/**
 * Loads the model in the baseline with mmap off and on (one process each), evaluates `promptText` and generates 32
 * tokens: how much memory each setting costs and what it does to speed. With `promptText` omitted, a 128-token
 * prompt is written for the model.
 */
export async function runMmapComparison(
  settings: LlamaSettings,
  promptText: string | undefined,
  log: (line: string) => void,
): Promise<MmapComparison> {
  let prompt = promptText;
  if (prompt === undefined) {
    const tokenizer = await PromptTokenizer.open(settings.modelPath);
    prompt = formatPhi2Prompt({ turns: [{ role: 'user', content: tokenizer.userMessageFor([], 128, 1) }] });
    await tokenizer.close();
  }
  const runs: MmapComparison = [];
  for (const useMmap of [false, true]) {
    log(`baseline: memory with useMmap ${useMmap}`);
    const run = await runBaseline({ job: 'speed', settings: { ...settings, useMmap }, promptText: prompt, generateTokens: 32 });
    runs.push({ useMmap, result: run.result, peak: run.peak });
  }
  return runs;
}

function replyFigures(reply: TimedReply, promptTokens: number): ReplyFigures {
  const stats = reply.message.stats;
  return {
    promptTokens: stats?.promptTokens ?? promptTokens,
    evaluatedTokens: stats?.evaluatedPromptTokens ?? null,
    ttftMs: reply.ttftMs,
    engineTtftMs: stats?.timeToFirstTokenMs ?? null,
  };
}

/** The app host worker, bundled (see runEngineBench). */
const APP_HOST_BUNDLE = resolve('.cache/bench/app-host.js');

interface RunningHost {
  ready: AppHostReady;
  /** Take a last memory reading and stop sampling. */
  stop(): TreeMemoryPeak;
  close(): Promise<void>;
}

async function startHost(request: AppHostRequest, log: (line: string) => void): Promise<RunningHost> {
  const worker: Worker<AppHostResult> = startWorker('./app-host-worker.ts', request, { bundle: APP_HOST_BUNDLE });
  const sampler = new TreeMemorySampler(worker.pid);
  const ready = await new Promise<AppHostReady>((resolve, reject) => {
    worker.onMessage((message) => {
      if (message.kind === 'ready') resolve(message as unknown as AppHostReady);
    });
    worker.reply.then(() => reject(new Error('the host closed before it was ready')), reject);
  });
  log(`    host ready in ${ready.loadMs} ms`);
  let peak: TreeMemoryPeak | undefined;
  return {
    ready,
    stop: () => {
      sampler.sample();
      peak ??= sampler.stop();
      return peak;
    },
    close: async () => {
      worker.child.send({ kind: 'close' });
      const result = await worker.reply;
      log(`    host closed in ${result.closeMs} ms`);
      await worker.exited();
    },
  };
}

async function runBaseline(request: BaselineRequest): Promise<{ result: BaselineResult; peak: TreeMemoryPeak }> {
  const worker = startWorker<BaselineResult>('./baseline-worker.ts', request);
  const sampler = new TreeMemorySampler(worker.pid);
  try {
    const result = await worker.reply;
    const sampled = sampler.stop();
    // The worker's own reading of its peak (VmHWM) over the measured work. Its only child, node-llama-cpp's
    // binary check, has exited before the model loads, so it never adds to the peak.
    const own = result.memory.at(-1)?.memory;
    const processes = own ? [own, ...sampled.processes.filter((p) => p.pid !== own.pid)] : sampled.processes;
    return { result, peak: { ...sampled, processes, peakRss: result.scenarioPeakRss } };
  } finally {
    sampler.stop();
    await worker.exited();
  }
}

/** The best generation speed of the app on the free machine, over the speed rounds. */
function idleBest(rounds: readonly SpeedRound[]): number {
  return Math.max(...rounds.map((round) => round.app.generationTokensPerSecond));
}

/**
 * How long after the burn window's end the reply is back at ≥ 0.9× `idle` tokens per second, over a 2-second window
 * (ms), or `null` if not before the reply ended.
 */
function recoveryMs(times: readonly number[], window: BurnWindow, idle: number): number | null {
  const end = window.afterMs + window.forMs;
  const span = 2000;
  const last = times.at(-1) ?? 0;
  for (let from = end; from + span <= last; from += 100) {
    const count = times.filter((t) => t > from && t <= from + span).length;
    if (count / (span / 1000) >= 0.9 * idle) return from - end;
  }
  return null;
}

/** One KV-cache setting, measured in the baseline (issue 14). */
export interface KvVariant {
  name: string;
  settings: Partial<LlamaSettings>;
}

/**
 * The settings compared: node-llama-cpp's default batch (512), the app's (128: it evaluates prompts in steps of 128,
 * so a larger batch only makes llama.cpp's compute buffer larger), a quantized K cache, and quantized K and V.
 * Q8_0 keys are measured with the baseline, which does not guard them: on a model whose attention heads are not a
 * multiple of 32 wide (Phi-2's are 80) llama.cpp computes NaN logits with them (see `runKeyQuality`), so that row's
 * speed is the speed of a broken computation there.
 */
export const KV_VARIANTS: KvVariant[] = [
  { name: 'F16, batch 512', settings: { batchSize: 512 } },
  { name: 'F16, batch 128 (the app)', settings: { batchSize: 128 } },
  { name: 'K Q8_0, batch 128', settings: { batchSize: 128, kvCacheKeyType: 'Q8_0' } },
  // A quantized V cache needs flash attention in llama.cpp.
  { name: 'K+V Q8_0, flash, batch 128', settings: { batchSize: 128, kvCacheKeyType: 'Q8_0', kvCacheValueType: 'Q8_0', flashAttention: true } },
  { name: 'F16, flash, batch 128', settings: { batchSize: 128, flashAttention: true } },
];

/**
 * What Q8_0 keys do to the next-token distributions (see `compareKeyTypes`): a prompt of `tokens` tokens (the
 * bench's synthetic text) evaluated with F16 and with Q8_0 keys, compared after every `every`-th token, in a worker
 * process of its own. On the Phi-2-shaped model, 1,024 tokens take about two minutes on two threads (load included).
 */
export async function runKeyQuality(
  settings: LlamaSettings,
  log: (line: string) => void,
  tokens = 1024,
  every = 8,
): Promise<KeyTypeQuality> {
  const tokenizer = await PromptTokenizer.open(settings.modelPath);
  let text: string;
  try {
    text = formatPhi2Prompt({ turns: [{ role: 'user', content: tokenizer.userMessageFor([], tokens, 503) }] });
  } finally {
    await tokenizer.close();
  }
  log(`kv: next-token distributions with F16 and Q8_0 keys (${tokens} tokens, every ${every}th compared)`);
  const request: KeyQualityRequest = { modelPath: settings.modelPath, threads: settings.threads, text, every };
  const worker = startWorker<KeyTypeQuality>('./kv-quality-worker.ts', request);
  try {
    return await worker.reply;
  } finally {
    await worker.exited();
  }
}

export interface KvComparisonRun {
  name: string;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
  /** Time to first token of a short follow-up after a ~1,500-token history. */
  followUpTtftMs: number;
  /** The sequence's state file after the follow-up (what the app's `kv-cache/` keeps per conversation). */
  stateFileBytes: number;
  /** Peak RSS of the speed run and of the follow-up run (one process each). */
  peakRss: number;
  /** Why it could not be measured (llama.cpp refused the setting). */
  error?: string;
}

/**
 * The KV-cache comparison: for each variant, the baseline's speed job (128-token prompt, 64 greedy tokens) and its
 * follow-up job (a ~1,500-token history, then a short follow-up; the state saved to a file), best of `rounds`.
 */
export async function runKvComparison(settings: LlamaSettings, log: (line: string) => void, rounds = 1): Promise<KvComparisonRun[]> {
  const tokenizer = await PromptTokenizer.open(settings.modelPath);
  const dir = mkdtempSync(join(tmpdir(), 'phi-desk-bench-kv-'));
  try {
    const format = (list: readonly ChatTurn[]): string => formatPhi2Prompt({ turns: list });
    const warmupText = format([{ role: 'user', content: WARMUP_TEXT }]);
    const promptText = format([{ role: 'user', content: tokenizer.userMessageFor([], 128, 501) }]);
    const history: ChatTurn[] = [
      { role: 'user', content: tokenizer.userMessageFor([], 1480, 502) },
      { role: 'assistant', content: 'I have read it all.' },
    ];
    const followUp: ChatTurn[] = [...history, { role: 'user', content: FOLLOW_UP_TEXT }];
    const runs: KvComparisonRun[] = [];
    for (const variant of KV_VARIANTS) {
      const merged = { ...settings, ...variant.settings };
      const kept: KvComparisonRun[] = [];
      try {
      for (let round = 1; round <= rounds; round++) {
        log(`kv: ${variant.name} (round ${round} of ${rounds})`);
        const speed = await runBaseline({ job: 'speed', settings: merged, warmupText, promptText, generateTokens: 64 });
        const stateFile = join(dir, `state-${runs.length}-${round}.bin`);
        const follow = await runBaseline({
          job: 'followUp',
          settings: merged,
          warmupText,
          historyText: format(history),
          followUpText: format(followUp),
          saveStateTo: stateFile,
        });
        rmSync(stateFile, { force: true });
        const run: KvComparisonRun = {
          name: variant.name,
          promptTokensPerSecond: speed.result.prompt?.tokensPerSecond ?? 0,
          generationTokensPerSecond: speed.result.generation?.tokensPerSecond ?? 0,
          followUpTtftMs: follow.result.followUp?.ttftMs ?? Number.NaN,
          stateFileBytes: follow.result.savedStateBytes ?? 0,
          peakRss: Math.max(speed.peak.peakRss, follow.peak.peakRss),
        };
        kept.push(run);
      }
      } catch (error) {
        // llama.cpp refuses some combinations (e.g. a quantized V cache for this model): say so, measure the rest.
        const message = error instanceof Error ? error.message : String(error);
        log(`kv: ${variant.name} failed: ${message}`);
        runs.push({ name: variant.name, promptTokensPerSecond: 0, generationTokensPerSecond: 0, followUpTtftMs: Number.NaN, stateFileBytes: 0, peakRss: 0, error: message });
        continue;
      }
      // The best of the rounds for speed (noise only slows things down), the highest for memory.
      runs.push({
        name: variant.name,
        promptTokensPerSecond: Math.max(...kept.map((r) => r.promptTokensPerSecond)),
        generationTokensPerSecond: Math.max(...kept.map((r) => r.generationTokensPerSecond)),
        followUpTtftMs: Math.min(...kept.map((r) => r.followUpTtftMs)),
        stateFileBytes: Math.max(...kept.map((r) => r.stateFileBytes)),
        peakRss: Math.max(...kept.map((r) => r.peakRss)),
      });
    }
    return runs;
  } finally {
    stopAllWorkers();
    await tokenizer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
