/**
 * The baseline: node-llama-cpp's lowest-level API (getLlama → loadModel → createContext → getSequence →
 * sequence.evaluate) on the same model, with the same threads, context size, flash attention (off) and mmap setting
 * as the app, and the same prompt text tokenized the same way. No chat layer, no store, no transport: the fastest
 * the app could possibly be on this machine.
 *
 * Runs in its own process (see worker-process.ts); one job per process.
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { burnDuring, type BurnWindow } from './contention';
import { readProcMemory, type ProcMemory } from './proc-memory';
import { runWorker } from './worker-process';

/** What both the app and the baseline run with. */
export interface LlamaSettings {
  modelPath: string;
  threads: number;
  contextSize: number;
  useMmap: boolean;
  /** The KV-cache comparison's knobs (node-llama-cpp's defaults when left out: F16, flash attention off). */
  kvCacheKeyType?: 'F16' | 'Q8_0';
  kvCacheValueType?: 'F16' | 'Q8_0';
  flashAttention?: boolean;
  batchSize?: number;
}

export type BaselineRequest =
  | {
      /** Prompt speed and generation speed: evaluate `promptText`, then generate `generateTokens` greedily. */
      job: 'speed';
      settings: LlamaSettings;
      /** A short exchange first, as the app has had one, so both start warm. */
      warmupText?: string;
      promptText: string;
      generateTokens: number;
      /** Contention: a process spinning one core in this window of the generation (from its first token). */
      burn?: BurnWindow;
    }
  | {
      /**
       * Time to first token of a follow-up: the history (formatted, ending in the last reply) is evaluated untimed,
       * as the app has it in its KV cache; then the rest of the follow-up prompt is evaluated, timed.
       */
      job: 'followUp';
      settings: LlamaSettings;
      warmupText: string;
      historyText: string;
      followUpText: string;
      /** Save the sequence state afterwards (for the restore-from-file figure). */
      saveStateTo?: string;
    }
  | {
      job: 'restart';
      settings: LlamaSettings;
      /** The whole prompt of the first turn after the restart. */
      promptText: string;
      /** Instead of evaluating the whole prompt, restore this state file first (node-llama-cpp's own way). */
      loadStateFrom?: string;
    };

/** Memory at one moment of the job (this process). */
export interface MemoryPoint {
  at: string;
  memory: ProcMemory | null;
}

export interface PromptFigures {
  promptTokens: number;
  /** Tokens actually evaluated (the rest came from the KV cache or a state file). */
  evaluatedTokens: number;
  ttftMs: number;
}

export interface BaselineResult {
  loadMs: number;
  contextMs: number;
  threads: number;
  batchSize: number;
  memory: MemoryPoint[];
  /**
   * This process's peak RSS (VmHWM) over the measured work, read before any state file is written (writing one
   * needs a buffer the size of the state, which is not part of the scenario).
   */
  scenarioPeakRss: number;
  prompt?: PromptFigures & { tokensPerSecond: number };
  /** `tokenTimes`: each token's time since the first (ms), with a burn window only. */
  generation?: { tokens: number; tokensPerSecond: number; tokenTimes?: number[] };
  followUp?: PromptFigures;
  restart?: PromptFigures;
  savedStateBytes?: number;
}

const memoryNow = (at: string): MemoryPoint => ({ at, memory: readProcMemory(process.pid) });

async function run(request: BaselineRequest): Promise<BaselineResult> {
  const { settings } = request;
  const memory: MemoryPoint[] = [memoryNow('start')];
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    maxThreads: 0,
    logLevel: LlamaLogLevel.error,
  });
  const loadStarted = performance.now();
  const model = await llama.loadModel({
    modelPath: settings.modelPath,
    gpuLayers: 0,
    useMmap: settings.useMmap,
    defaultContextFlashAttention: false,
  });
  const loadMs = performance.now() - loadStarted;
  memory.push(memoryNow('model loaded'));
  const contextStarted = performance.now();
  const context = await model.createContext({
    contextSize: settings.contextSize,
    flashAttention: settings.flashAttention ?? false,
    ...(settings.kvCacheKeyType ? { experimentalKvCacheKeyType: settings.kvCacheKeyType } : {}),
    ...(settings.kvCacheValueType ? { experimentalKvCacheValueType: settings.kvCacheValueType } : {}),
    ...(settings.batchSize ? { batchSize: settings.batchSize } : {}),
    threads: settings.threads,
    sequences: 1,
  });
  const contextMs = performance.now() - contextStarted;
  memory.push(memoryNow('context created'));
  const sequence = context.getSequence();
  const tokenize = (text: string): Token[] => model.tokenize(text, false);
  const result: BaselineResult = {
    loadMs: Math.round(loadMs),
    contextMs: Math.round(contextMs),
    threads: context.currentThreads,
    batchSize: context.batchSize,
    memory,
    scenarioPeakRss: 0,
  };

  try {
    if (request.job === 'speed') {
      if (request.warmupText) {
        await generate(sequence, tokenize(request.warmupText), 4);
        await sequence.clearHistory();
      }
      const tokens = tokenize(request.promptText);
      const run1 = await generate(sequence, tokens, request.generateTokens, request.burn);
      result.prompt = {
        promptTokens: tokens.length,
        evaluatedTokens: tokens.length,
        ttftMs: run1.ttftMs,
        tokensPerSecond: tokens.length / (run1.ttftMs / 1000),
      };
      result.generation = {
        tokens: run1.tokens,
        tokensPerSecond: run1.tokensPerSecond,
        ...(request.burn ? { tokenTimes: run1.tokenTimes } : {}),
      };
      memory.push(memoryNow('after generation'));
    } else if (request.job === 'followUp') {
      await generate(sequence, tokenize(request.warmupText), 4);
      await sequence.clearHistory();
      const history = tokenize(request.historyText);
      const followUp = tokenize(request.followUpText);
      let shared = 0;
      while (shared < history.length && shared < followUp.length - 1 && history[shared] === followUp[shared]) shared++;
      await sequence.evaluateWithoutGeneratingNewTokens(followUp.slice(0, shared));
      const run2 = await generate(sequence, followUp.slice(shared), 1);
      result.followUp = { promptTokens: followUp.length, evaluatedTokens: followUp.length - shared, ttftMs: run2.ttftMs };
      memory.push(memoryNow('after follow-up'));
      result.scenarioPeakRss = memory.at(-1)?.memory?.peakRss ?? 0;
      if (request.saveStateTo) {
        // The state after the follow-up prompt, as an app that persisted its KV cache would have it.
        result.savedStateBytes = (await sequence.saveStateToFile(request.saveStateTo)).fileSize;
        memory.push(memoryNow('after saving the state'));
      }
    } else if (request.job === 'restart') {
      const tokens = tokenize(request.promptText);
      const started = performance.now();
      if (request.loadStateFrom) {
        await sequence.loadStateFromFile(request.loadStateFrom, { acceptRisk: true });
        const reuse = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length - 1);
        if (sequence.nextTokenIndex > reuse) {
          await sequence.eraseContextTokenRanges([{ start: reuse, end: sequence.nextTokenIndex }]);
        }
      }
      const cached = sequence.nextTokenIndex;
      const restoredMs = performance.now() - started;
      const run1 = await generate(sequence, tokens.slice(cached), 1);
      result.restart = {
        promptTokens: tokens.length,
        evaluatedTokens: tokens.length - cached,
        ttftMs: Math.round((restoredMs + run1.ttftMs) * 10) / 10,
      };
      memory.push(memoryNow('after first token'));
    }
  } finally {
    await context.dispose();
    await model.dispose();
  }
  memory.push(memoryNow('end'));
  result.scenarioPeakRss ||= memory.at(-1)?.memory?.peakRss ?? 0;
  return result;
}

/**
 * Evaluate `tokens` and generate `count` tokens greedily (an end-of-text token is fed back like any other, so the
 * count is exact). Times the first token from the call, and the rest from the first.
 */
async function generate(
  sequence: LlamaContextSequence,
  tokens: Token[],
  count: number,
  burn?: BurnWindow,
): Promise<{ ttftMs: number; tokens: number; tokensPerSecond: number; tokenTimes: number[] }> {
  const started = performance.now();
  let first = 0;
  let last = 0;
  let generated = 0;
  const tokenTimes: number[] = [];
  let stopBurning: (() => Promise<void>) | null = null;
  try {
    for await (const token of sequence.evaluate(tokens, { temperature: 0, yieldEogToken: true })) {
      void token;
      last = performance.now();
      if (generated === 0) {
        first = last;
        if (burn) stopBurning = burnDuring(burn, first);
      }
      tokenTimes.push(Math.round((last - first) * 10) / 10);
      generated++;
      if (generated >= count) break;
    }
  } finally {
    await stopBurning?.();
  }
  return {
    tokenTimes,
    ttftMs: Math.round((first - started) * 10) / 10,
    tokens: generated,
    tokensPerSecond: generated > 1 ? (generated - 1) / ((last - first) / 1000) : 0,
  };
}

runWorker(run);
