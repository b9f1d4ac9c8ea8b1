import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../src-main/common/types';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import type { ChatEngine, GenerateRequest } from '../../../../src-main/node/engine/port';
import { createAppEngine } from '../../../../src-main/node/engine/process/create-engine';
import { getTinyModelPath } from '../../../fixtures/models';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { TINY_SHAPE } from '../../../support/synthetic-model/synthetic-phi2';
import { ask, engineError } from './support/engine-test-helpers';

// What every `ChatEngine` promises the services above it — streaming, stopping, aborting, one request at a time,
// loading with progress, refusing what does not fit — checked on the real engine (node-llama-cpp on the tiny
// synthetic model), the same engine in its own process (as the app runs it), and the scripted fake the service and
// UI tests stand on (so they stand on an engine that behaves like the real one). The tiny model's weights are
// random: nothing here asserts particular words.

interface EngineCase {
  name: string;
  /** A new engine, no model loaded. */
  create(): ChatEngine;
  /** The model file to load, and the name and context size its `ready` status reports. */
  model(): Promise<{ path: string; name: string; contextSize: number }>;
  /** How soon after an abort the reply must have ended, in ms (across a process: its grace period). */
  abortWithinMs: number;
}

const SCRIPTED_REPLY = 'a scripted answer that goes on for a good while, word after word, '.repeat(20);

const cases: EngineCase[] = [
  {
    name: 'LlamaEngine',
    create: () => new LlamaEngine({ threads: 1 }),
    model: async () => ({ path: await getTinyModelPath(), name: TINY_SHAPE.name, contextSize: 2048 }),
    abortWithinMs: 200,
  },
  {
    name: 'IsolatedEngine',
    create: () => createAppEngine({ threads: 1 }),
    model: async () => ({ path: await getTinyModelPath(), name: TINY_SHAPE.name, contextSize: 2048 }),
    abortWithinMs: 1000,
  },
  {
    name: 'ScriptedEngine',
    // A real file, checked as the real engine checks it; replies come one token (character) per millisecond or so.
    create: () => new ScriptedEngine({ reply: SCRIPTED_REPLY, deltaChars: 1, deltaDelayMs: 1, checkModelFile: true, contextSize: 2048 }),
    model: async () => {
      const path = await getTinyModelPath();
      return { path, name: path.split('/').at(-1) ?? '', contextSize: 2048 };
    },
    abortWithinMs: 200,
  },
];

describe.each(cases)('ChatEngine contract: $name', ({ create, model, abortWithinMs }) => {
  let dir: string;
  let engine: ChatEngine;
  let modelPath: string;
  const fresh: ChatEngine[] = [];
  /** An engine of this kind for one test, disposed after the file. */
  const another = (): ChatEngine => {
    const made = create();
    fresh.push(made);
    return made;
  };
  const long = (): GenerateRequest => ask('Write a long essay.', { maxTokens: 1500, temperature: 1 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phi-desk-contract-'));
    modelPath = (await model()).path;
    engine = create();
    await engine.load(modelPath);
  });

  afterAll(async () => {
    await Promise.all([engine, ...fresh].map((each) => each?.dispose()));
    await rm(dir, { recursive: true, force: true });
  });

  it('goes noModel → loading with rising progress 0…1 → ready with the model name and context size', async () => {
    const expected = await model();
    const loading = another();
    const statuses: EngineStatus[] = [];
    const progress: number[] = [];
    expect(loading.status().state).toBe('noModel');
    loading.onStatus((status) => statuses.push(status));
    await loading.load(expected.path, { onProgress: (value) => progress.push(value) });
    expect(statuses[0]).toMatchObject({ state: 'loading', modelPath: expected.path, loadProgress: 0 });
    expect(statuses.slice(0, -1).every((status) => status.state === 'loading')).toBe(true);
    expect(statuses.at(-1)).toEqual({
      state: 'ready',
      modelPath: expected.path,
      modelName: expected.name,
      loadProgress: null,
      contextSize: expected.contextSize,
      error: null,
    });
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress); // never goes backwards
  });

  it('rejects a missing file with MODEL_NOT_FOUND and keeps the loaded model ready', async () => {
    const error = await engineError(engine.load(join(dir, 'missing.gguf')));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath, error: null });
  });

  it('ends in state error when its first load fails, and refuses to generate with NO_MODEL', async () => {
    const failing = another();
    expect((await engineError(failing.load(join(dir, 'missing.gguf')))).code).toBe('MODEL_NOT_FOUND');
    expect(failing.status()).toMatchObject({ state: 'error', contextSize: null });
    expect(failing.status().error).toContain('not found');
    expect((await engineError(failing.generate(ask('Hello')))).code).toBe('NO_MODEL');
  });

  it('streams text deltas that concatenate to the result; the context comes first, once, and matches the stats', async () => {
    const events: string[] = [];
    const deltas: string[] = [];
    let context: unknown;
    const result = await engine.generate(ask('Tell me a story.', { maxTokens: 40 }), {
      onContext: (info) => {
        events.push('context');
        context = info;
      },
      onText: (delta) => {
        events.push('text');
        deltas.push(delta);
      },
    });
    expect(events[0]).toBe('context');
    expect(events.filter((event) => event === 'context')).toHaveLength(1);
    expect(context).toEqual(result.context);
    expect(result.context).toMatchObject({ turnsInView: 1, turnsDropped: 0 });
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.every((delta) => delta.length > 0)).toBe(true);
    expect(deltas.join('')).toBe(result.text);
    expect(result.stats).toMatchObject({ promptTokens: result.context.promptTokens, stopReason: result.stopReason });
    expect(result.stats.promptTokens).toBeGreaterThan(3);
    expect(result.stats.generatedTokens).toBeGreaterThan(3);
    expect(result.stats.generatedTokens).toBeLessThanOrEqual(40);
    expect(result.stats.tokensPerSecond).toBeGreaterThan(0);
    expect(result.stats.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it('stops at maxTokens', async () => {
    const result = await engine.generate(ask('Count to a hundred.', { maxTokens: 5 }));
    expect(result.stopReason).toBe('maxTokens');
    expect(result.stats.generatedTokens).toBe(5);
  });

  it('stops at once when aborted mid-stream, keeping the text so far and sending no more', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    let abortedAt = 0;
    const result = await engine.generate(long(), {
      signal: controller.signal,
      onText: (delta) => {
        deltas.push(delta);
        if (deltas.length === 5) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    expect(performance.now() - abortedAt).toBeLessThan(abortWithinMs);
    expect(result.stopReason).toBe('aborted');
    expect(result.stats.stopReason).toBe('aborted');
    expect(deltas).toHaveLength(5);
    expect(result.text).toBe(deltas.join(''));
    expect(result.stats.generatedTokens).toBeLessThan(50);
  });

  it('resolves as aborted, with nothing written, when the signal is already aborted', async () => {
    const result = await engine.generate(ask('Never mind.'), { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ text: '', stopReason: 'aborted', stats: { generatedTokens: 0 } });
  });

  it('lets a queued request be aborted without waiting for the one in front of it', async () => {
    const controller = new AbortController();
    let firstDone = false;
    const first = engine.generate(ask('Take your time.', { maxTokens: 300 })).then((result) => {
      firstDone = true;
      return result;
    });
    const queued = engine.generate(ask('Me next?'), { signal: controller.signal });
    controller.abort();
    await expect(queued).resolves.toMatchObject({ text: '', stopReason: 'aborted' });
    expect(firstDone).toBe(false);
    await first;
  });

  it('serves concurrent requests one at a time, in order', async () => {
    const log: string[] = [];
    const a = engine.generate(ask('First?', { maxTokens: 10 }), { onText: () => log.push('a') });
    const b = engine.generate(ask('Second?', { maxTokens: 10 }), { onText: () => log.push('b') });
    const [resultA, resultB] = await Promise.all([a, b]);
    expect(resultA.text.length).toBeGreaterThan(0);
    expect(resultB.text.length).toBeGreaterThan(0);
    expect(log.join('')).toMatch(/^a+b+$/);
  });

  it('refuses a prompt that does not fit the context with CONTEXT_OVERFLOW, then answers the next one', async () => {
    const error = await engineError(engine.generate(ask('tell me more '.repeat(1000))));
    expect(error.code).toBe('CONTEXT_OVERFLOW');
    expect(error.message).toContain('2,048-token context');
    const after = await engine.generate(ask('Short again.', { maxTokens: 3 }));
    expect(after.stats.generatedTokens).toBeGreaterThan(0);
  });

  it('ends a running reply as aborted with its text on dispose, then refuses further use', async () => {
    const disposing = another();
    await disposing.load(modelPath);
    const deltas: string[] = [];
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const running = disposing.generate(long(), {
      onText: (delta) => {
        deltas.push(delta);
        started();
      },
    });
    await streaming;
    await disposing.dispose();
    const result = await running;
    expect(result.stopReason).toBe('aborted');
    expect(result.text).toBe(deltas.join(''));
    expect(disposing.status().state).toBe('noModel');
    expect((await engineError(disposing.generate(ask('Hi')))).code).toBe('DISPOSED');
  });
});
