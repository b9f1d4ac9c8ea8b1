import { availableParallelism } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../src-main/common/types';
import { gguf, writeGguf } from '../../../support/synthetic-model/gguf-writer';
import { phi2ChatFormat } from '../../../../src-main/node/engine/chat-format';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import { acquireLlama } from '../../../../src-main/node/engine/llama-runtime';
import type { GenerateRequest, GenerateResult } from '../../../../src-main/node/engine/port';
import { TINY_SHAPE, describeSyntheticPhi2Model } from '../../../support/synthetic-model/synthetic-phi2';
import { TokenTextDecoder } from '../../../../src-main/node/engine/token-text-decoder';
import { getTinyModelPath } from '../../../fixtures/models';
import { ask, engineError } from './support/engine-test-helpers';

// The real engine (node-llama-cpp, llama.cpp CPU build) on the tiny synthetic Phi-2 model: ~1000+ tokens/s on two
// cores, so every test here runs real inference in milliseconds. The model's weights are random, so tests assert
// behaviour (streaming, stopping, caching, determinism), never particular words.

let dir: string;
let modelPath: string;
/** One engine for most tests: loading is the slow part. Tests that need a fresh state create their own. */
let engine: LlamaEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-engine-'));
  modelPath = await getTinyModelPath();
  engine = new LlamaEngine({ threads: 1 });
  await engine.load(modelPath);
});

afterAll(async () => {
  await engine?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('LlamaEngine loading', () => {
  it('rejects a file that is not GGUF with MODEL_INVALID and keeps the loaded model ready', async () => {
    const path = join(dir, 'notes.gguf');
    await writeFile(path, 'not a model');
    const error = await engineError(engine.load(path));
    expect(error.code).toBe('MODEL_INVALID');
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath, error: null });
    const result = await engine.generate(ask('Still there?', { maxTokens: 3 }));
    expect(result.stats.generatedTokens).toBeGreaterThan(0);
  });

  it('rejects a model of another architecture with MODEL_INVALID', async () => {
    const path = join(dir, 'llama.gguf');
    await writeGguf(path, { metadata: [['general.architecture', gguf.str('llama')]], tensors: [] });
    const error = await engineError(engine.load(path));
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain("'llama'");
  });

  it('reports a GGUF llama.cpp cannot load (a missing tensor) as MODEL_LOAD_FAILED, without crashing', async () => {
    const path = join(dir, 'missing-tensor.gguf');
    const model = describeSyntheticPhi2Model(TINY_SHAPE, 1);
    await writeGguf(path, { ...model, tensors: model.tensors.filter((tensor) => tensor.name !== 'output.bias') });
    const error = await engineError(engine.load(path));
    expect(error.code).toBe('MODEL_LOAD_FAILED');
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath });
  });

});

describe('LlamaEngine generation', () => {
  it('gives identical output for the same seed, and different output for another seed', async () => {
    const settings = { temperature: 0.8, maxTokens: 30 };
    const other = ask('Something unrelated', { maxTokens: 4 });
    const prompt = (seed: number): GenerateRequest => ({
      ...ask('Describe the sea.'),
      settings: { ...settings, seed },
    });
    // Same cache state before each run (the other conversation), so both runs compute exactly the same thing.
    await engine.generate(other);
    const first = await engine.generate(prompt(7));
    await engine.generate(other);
    const second = await engine.generate(prompt(7));
    await engine.generate(other);
    const third = await engine.generate(prompt(8));
    expect(first.stats.generatedTokens).toBeGreaterThan(5);
    expect(second.text).toBe(first.text);
    expect(third.text).not.toBe(first.text);
  });

  it('reuses the KV cache for a follow-up turn: only the new tokens are evaluated', async () => {
    const firstRequest = ask('What is the capital of France?', { maxTokens: 12 });
    const first = await engine.generate(firstRequest);
    const followUp = await engine.generate({
      turns: [
        ...firstRequest.turns,
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'And Spain?' },
      ],
      settings: { seed: 1, maxTokens: 4 },
      cacheKey: 'conversation-1',
    });
    const cached = followUp.stats.promptTokens - followUp.stats.evaluatedPromptTokens;
    expect(followUp.stats.evaluatedPromptTokens).toBeGreaterThan(0);
    expect(cached).toBeGreaterThanOrEqual(first.stats.promptTokens); // the whole first prompt came from the cache
  });

  it('re-evaluates only the last token when the same prompt is asked again', async () => {
    await engine.generate(ask('Repeat after me.', { maxTokens: 3 }));
    const again = await engine.generate(ask('Repeat after me.', { maxTokens: 3 }));
    expect(again.stats.evaluatedPromptTokens).toBe(1);
  });

  it('stops during prompt evaluation, and the part already evaluated is reused next time', async () => {
    // Small prompt steps make evaluating this ~1500-token prompt take far longer than the 50 ms before the abort.
    const stepwise = new LlamaEngine({ threads: 1, promptChunkTokens: 8 });
    try {
      await stepwise.load(modelPath);
      const longQuestion = ask('please explain it again '.repeat(100), { maxTokens: 3 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const result = await stepwise.generate(longQuestion, { signal: controller.signal });
      expect(result).toMatchObject({ text: '', stopReason: 'aborted', stats: { generatedTokens: 0 } });
      expect(result.stats.promptTokens).toBeGreaterThan(1000);
      const retry = await stepwise.generate(longQuestion);
      expect(retry.stats.evaluatedPromptTokens).toBeLessThan(retry.stats.promptTokens - 8);
    } finally {
      await stepwise.dispose();
    }
  });

  it('refuses a 10 MB paste at once, from a lower bound, without tokenizing it (seconds of work otherwise)', async () => {
    const started = performance.now();
    const error = await engineError(engine.generate(ask('lorem ipsum dolor sit amet '.repeat(400_000))));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('CONTEXT_OVERFLOW');
    expect(error.message).toContain('the prompt would be at least');
  });
});

describe('LlamaEngine context window', () => {
  it('drops the oldest exchanges to fit a small window, keeps the system prompt, and reports it before the reply', async () => {
    const small = new LlamaEngine({ threads: 1, maxContextSize: 256, replyReserveTokens: 64 });
    try {
      await small.load(modelPath);
      expect(small.status().contextSize).toBe(256);
      const turns: GenerateRequest['turns'] = [];
      for (let i = 0; i < 12; i++) {
        turns.push({ role: 'user', content: `question number ${i} about something` });
        turns.push({ role: 'assistant', content: `answer number ${i} with a few words` });
      }
      turns.push({ role: 'user', content: 'the last question' });
      const events: string[] = [];
      let seen: unknown;
      const result = await small.generate(
        { systemPrompt: 'You are terse.', turns, settings: { seed: 1, maxTokens: 8 } },
        {
          onContext: (info) => {
            events.push('context');
            seen = info;
          },
          onText: () => events.push('text'),
        },
      );
      expect(events[0]).toBe('context');
      expect(events.filter((event) => event === 'context')).toHaveLength(1);
      expect(seen).toEqual(result.context);
      const { turnsInView, turnsDropped, promptTokens } = result.context;
      expect(turnsDropped).toBeGreaterThan(0);
      expect(turnsDropped % 2).toBe(0); // whole exchanges only
      expect(turnsInView + turnsDropped).toBe(turns.length);
      expect(turnsInView % 2).toBe(1); // exchanges + the new message
      expect(promptTokens).toBe(result.stats.promptTokens);
      // The reserve is min(64, maxTokens 8), so the budget is 256 - 8 = 248; once turns must go, the kept ones fill at
      // most 60% of it (148 tokens), and one more exchange would not fit that.
      expect(promptTokens).toBeLessThanOrEqual(148);
      expect(promptTokens).toBeGreaterThan(148 - 40);

      const keptAll = await small.generate({ systemPrompt: 'You are terse.', turns: turns.slice(-3), settings: { maxTokens: 4 } });
      expect(keptAll.context).toMatchObject({ turnsInView: 3, turnsDropped: 0 });

      const error = await engineError(small.generate({ turns: [{ role: 'user', content: 'word '.repeat(300) }] }));
      expect(error.code).toBe('CONTEXT_OVERFLOW');
      expect(error.message).toMatch(/too long for the model: the prompt would be \d+ tokens/);
      expect(error.message).toContain('256-token context');
    } finally {
      await small.dispose();
    }
  });
});

describe('LlamaEngine context window over a long conversation', () => {
  /** Talks for `rounds` turns in a 256-token window; returns the stats and window info of each reply. */
  async function longConversation(contextRefill: number, rounds: number) {
    const small = new LlamaEngine({ threads: 1, maxContextSize: 256, replyReserveTokens: 16, contextRefill });
    try {
      await small.load(modelPath);
      const turns: GenerateRequest['turns'] = [];
      const replies: GenerateResult[] = [];
      for (let round = 0; round < rounds; round++) {
        turns.push({ role: 'user', content: `question ${round} about the river and its many bridges` });
        const reply = await small.generate({ turns: [...turns], settings: { seed: 1, maxTokens: 6 }, cacheKey: 'long' });
        replies.push(reply);
        turns.push({ role: 'assistant', content: reply.text });
      }
      return replies;
    } finally {
      await small.dispose();
    }
  }

  it('keeps the start of the window for several turns once it overflows, so only new tokens are evaluated', async () => {
    const replies = await longConversation(0.6, 24);
    const dropped = replies.map((reply) => reply.context.turnsDropped);
    const firstDrop = dropped.findIndex((count) => count > 0);
    expect(firstDrop).toBeGreaterThan(0);
    expect(firstDrop).toBeLessThan(20);
    // The start moves rarely: far fewer moves than turns after the first drop.
    const moves = dropped.slice(firstDrop).filter((count, index, all) => index > 0 && count !== all[index - 1]).length;
    expect(moves).toBeLessThanOrEqual(Math.ceil((dropped.length - firstDrop) / 3));
    // A turn that keeps the start evaluates only its new tokens, not the window.
    const steady = replies.filter((reply, index) => index > firstDrop && dropped[index] === dropped[index - 1]);
    expect(steady.length).toBeGreaterThan(2);
    for (const reply of steady) expect(reply.stats.evaluatedPromptTokens).toBeLessThan(reply.stats.promptTokens / 3);
    // Every prompt fits: 256 - 6 for the reply.
    for (const reply of replies) expect(reply.stats.promptTokens).toBeLessThanOrEqual(250);
  });

  it('dropping only what must go (refill 1) moves the start at every turn and re-evaluates the window each time', async () => {
    const replies = await longConversation(1, 20);
    const firstDrop = replies.findIndex((reply) => reply.context.turnsDropped > 0);
    const after = replies.slice(firstDrop + 1);
    expect(after.length).toBeGreaterThan(2);
    for (const reply of after) expect(reply.stats.evaluatedPromptTokens).toBeGreaterThan(reply.stats.promptTokens / 2);
  });
});

describe('LlamaEngine threads', () => {
  it('runs every core on auto, the fixed count when the setting says so, and changes at once for the loaded model', async () => {
    const threaded = new LlamaEngine();
    try {
      await threaded.load(modelPath);
      const cores = threaded.threadState()!.cores;
      expect(cores).toBeGreaterThanOrEqual(1);
      await threaded.generate(ask('Hello there.', { maxTokens: 3 }));
      expect(threaded.threadState()).toMatchObject({ setting: 'auto', threads: cores, lastBatchThreads: cores });

      threaded.setThreads(1);
      await threaded.generate(ask('And now?', { maxTokens: 3 }));
      expect(threaded.threadState()).toMatchObject({ setting: 1, threads: 1, lastBatchThreads: 1 });

      // More than the machine has: all of its logical processors.
      const most = availableParallelism();
      threaded.setThreads(most + 7);
      await threaded.generate(ask('Faster?', { maxTokens: 3 }));
      expect(threaded.threadState()).toMatchObject({ setting: most, threads: most, lastBatchThreads: most });

      threaded.setThreads('auto');
      expect(threaded.threadState()).toMatchObject({ setting: 'auto', threads: cores, changes: [] });
    } finally {
      await threaded.dispose();
    }
  });
});

describe('LlamaEngine adaptive threads', () => {
  it('drops a thread while told the machine is busy, goes back up once it is free, and writes the same text', async () => {
    if (availableParallelism() < 2) return; // one core: nothing to adapt
    let othersBusy = 0;
    const adaptive = new LlamaEngine({ machineLoad: () => othersBusy, threadPolicy: { probeAfterMs: 50 } });
    const fixed = new LlamaEngine({ threads: 2 });
    try {
      await adaptive.load(modelPath);
      await fixed.load(modelPath);
      const cores = adaptive.threadState()!.cores;
      const request = ask('Tell me a long story about a lighthouse keeper.', { maxTokens: 200, seed: 11, temperature: 0.8 });
      const expected = await fixed.generate(request);

      // Every core taken by other programs from the start: the policy has learned nothing yet, so the load decides.
      othersBusy = cores;
      const contended = await adaptive.generate(request);
      const state = adaptive.threadState()!;
      expect(state.threads).toBeLessThan(cores);
      expect(state.changes[0]).toMatchObject({ from: cores, reason: 'busy' });
      expect(contended.text).toBe(expected.text);

      // The machine is free again (the load is read every 250 ms): the engine tries every core again. Whether it keeps
      // them is the batch times' call (thread-policy.test.ts): a loaded test machine may well say no.
      othersBusy = 0;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const dropped = adaptive.threadState()!.changes.length;
      const freed = await adaptive.generate(request);
      expect(adaptive.threadState()!.changes.slice(dropped)[0]).toMatchObject({ from: state.threads, to: state.threads + 1, reason: 'probe' });
      expect(freed.text).toBe(expected.text);
    } finally {
      await adaptive.dispose();
      await fixed.dispose();
    }
  });
});

describe('LlamaEngine reply stats', () => {
  it('counts prompt, evaluated and generated tokens exactly, and times the reply consistently', async () => {
    const lease = await acquireLlama();
    const vocab = await lease.llama.loadModel({ modelPath, vocabOnly: true });
    try {
      // A system prompt no earlier request began with: nothing of this prompt is in the KV cache yet.
      const request: GenerateRequest = {
        systemPrompt: 'Zebras answer every question.',
        turns: [
          { role: 'user', content: 'Why stripes?' },
          { role: 'assistant', content: 'Camouflage.' },
          { role: 'user', content: 'Really?' },
        ],
        settings: { seed: 3, maxTokens: 12, temperature: 0 },
      };
      const expectedPrompt = phi2ChatFormat(vocab).tokenize(request).length;
      const started = performance.now();
      let firstText: number | undefined;
      const result = await engine.generate(request, { onText: () => (firstText ??= performance.now()) });
      const ended = performance.now();
      const { stats } = result;
      expect(stats.promptTokens).toBe(expectedPrompt);
      expect(stats.evaluatedPromptTokens).toBe(expectedPrompt);
      expect(stats.stopReason).toBe(result.stopReason);
      if (result.stopReason === 'maxTokens') expect(stats.generatedTokens).toBe(12);
      else expect(stats.generatedTokens).toBeLessThanOrEqual(12);
      expect(stats.generatedTokens).toBeGreaterThan(1);
      // The first token comes at or before the first text (the stop filter may hold a token back).
      expect(stats.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
      expect(stats.timeToFirstTokenMs).toBeLessThanOrEqual(Math.ceil((firstText ?? ended) - started) + 1);
      // (generated - 1) tokens in at most the whole call's duration: a floor for the rate.
      expect(stats.tokensPerSecond).toBeGreaterThanOrEqual((stats.generatedTokens - 1) / ((ended - started) / 1000));

      const again = await engine.generate(request);
      expect(again.stats.promptTokens).toBe(expectedPrompt);
      expect(again.stats.evaluatedPromptTokens).toBe(1); // only the last prompt token, for its logits
      expect(again.text).toBe(result.text); // greedy: the same reply from the cached state
    } finally {
      await vocab.dispose();
      await lease.release();
    }
  });
});

describe('LlamaEngine with the model tokenizer', () => {
  it('decodes multi-byte characters that span several byte tokens without splitting them', async () => {
    const lease = await acquireLlama();
    const model = await lease.llama.loadModel({ modelPath, vocabOnly: true });
    try {
      const text = 'Grüße, 日本, 🎉!';
      const tokens = model.tokenize(text, false);
      expect(tokens.length).toBeGreaterThan([...text].length); // the tiny vocab spells these byte by byte
      const decoder = new TokenTextDecoder(model);
      const pieces = [...tokens.map((token) => decoder.push(token)), decoder.flush()];
      expect(pieces.join('')).toBe(text);
      expect(pieces.some((piece) => piece.includes('\uFFFD'))).toBe(false);
    } finally {
      await model.dispose();
      await lease.release();
    }
  });
});

describe('LlamaEngine disposal', () => {
  it('aborts a running generation, frees everything, and refuses further use', async () => {
    const fresh = new LlamaEngine({ threads: 1 });
    await fresh.load(modelPath);
    const statuses: EngineStatus[] = [];
    fresh.onStatus((status) => statuses.push(status));
    let running: Promise<unknown> | undefined;
    const firstDelta = new Promise<void>((resolve) => {
      running = fresh.generate(ask('Go on and on.', { maxTokens: 1500, temperature: 1 }), { onText: () => resolve() });
    });
    await firstDelta;
    await fresh.dispose();
    await expect(running).resolves.toMatchObject({ stopReason: 'aborted' });
    expect(fresh.status().state).toBe('noModel');
    expect(statuses.at(-1)?.state).toBe('noModel');
    expect((await engineError(fresh.generate(ask('Hello?')))).code).toBe('DISPOSED');
    expect((await engineError(fresh.load(modelPath))).code).toBe('DISPOSED');
    await fresh.dispose(); // idempotent
  });
});
