import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../src-main/common/types';
import { writeGguf } from '../../../support/synthetic-model/gguf-writer';
import type { GenerateRequest } from '../../../../src-main/node/engine/port';
import { createAppEngine } from '../../../../src-main/node/engine/process/create-engine';
import type { IsolatedEngine } from '../../../../src-main/node/engine/process/isolated-engine';
import { TINY_SHAPE, describeSyntheticPhi2Model } from '../../../support/synthetic-model/synthetic-phi2';
import { getTinyModelPath } from '../../../fixtures/models';
import { ask, engineError, waitForStatus } from './support/engine-test-helpers';

// The engine in a real child process (child_process.fork of the worker under tsx), running the real llama.cpp on the
// tiny synthetic model. These tests kill that process, feed it models that abort llama.cpp, and check the host
// (this test process) stays alive, says what happened, and gets a working engine back.

let dir: string;
let modelPath: string;
let engine: IsolatedEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-isolated-'));
  modelPath = await getTinyModelPath();
  engine = createAppEngine({ threads: 1 });
  await engine.load(modelPath);
}, 60_000);

afterAll(async () => {
  await engine?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How many saved states (`.json` records) the KV-cache folder holds, over every model. */
async function savedStates(root: string): Promise<number> {
  let count = 0;
  for (const folder of await readdir(root).catch(() => [])) {
    count += (await readdir(join(root, folder))).filter((name) => name.endsWith('.json')).length;
  }
  return count;
}

/** A phi2 GGUF without `phi2.feed_forward_length`: llama.cpp fails a GGML_ASSERT and aborts the process loading it. */
async function writeAbortingModel(path: string): Promise<void> {
  const model = describeSyntheticPhi2Model(TINY_SHAPE, 1);
  await writeGguf(path, { ...model, metadata: model.metadata.filter(([key]) => key !== 'phi2.feed_forward_length') });
}

describe('IsolatedEngine', () => {
  it('runs the model in another process (streaming, aborts and the rest: chat-engine-contract.test.ts)', async () => {
    expect(engine.processId()).toBeGreaterThan(0);
    expect(engine.processId()).not.toBe(process.pid);
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath, contextSize: 2048, error: null });
    const result = await engine.generate(ask('Tell me a story.', { maxTokens: 8 }));
    expect(result.stats.generatedTokens).toBeGreaterThan(0);
  });

  it('measures time to first token on the host, process hop included', async () => {
    const started = performance.now();
    let firstText = 0;
    const result = await engine.generate(ask('Quick one.', { maxTokens: 8 }), {
      onText: () => (firstText ||= performance.now()),
    });
    expect(firstText).toBeGreaterThan(0);
    expect(Math.abs(result.stats.timeToFirstTokenMs - (firstText - started))).toBeLessThanOrEqual(2);
  });

  it('reports load progress and passes typed errors through (missing, not GGUF, truncated, corrupt header)', async () => {
    const progress: number[] = [];
    await engine.load(modelPath, { onProgress: (value) => progress.push(value) });
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect((await engineError(engine.load(join(dir, 'missing.gguf')))).code).toBe('MODEL_NOT_FOUND');
    const notGguf = join(dir, 'notes.gguf');
    await writeFile(notGguf, 'not a model');
    expect((await engineError(engine.load(notGguf))).code).toBe('MODEL_INVALID');
    const bytes = await readFile(modelPath);
    const truncated = join(dir, 'truncated.gguf');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const truncatedError = await engineError(engine.load(truncated));
    expect(truncatedError.code).toBe('MODEL_INVALID');
    expect(truncatedError.message).toContain('truncated');
    const corrupt = join(dir, 'corrupt.gguf');
    const damaged = Buffer.from(bytes);
    damaged.writeBigUInt64LE(2n ** 40n, 8); // the header now claims 2^40 tensors
    await writeFile(corrupt, damaged);
    expect((await engineError(engine.load(corrupt))).code).toBe('MODEL_INVALID');
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath, error: null });
    const after = await engine.generate(ask('Still here?', { maxTokens: 3 }));
    expect(after.stats.generatedTokens).toBeGreaterThan(0);
  });

  it('survives a SIGKILL of the engine mid-stream: clear error, text so far delivered, restarts, reloads the model', async () => {
    const firstPid = engine.processId();
    const statuses: EngineStatus[] = [];
    const stop = engine.onStatus((status) => statuses.push(status));
    const deltas: string[] = [];
    const running = engine.generate(ask('Go on and on.', { maxTokens: 1500, temperature: 1 }), {
      onText: (delta) => {
        deltas.push(delta);
        if (deltas.length === 3 && firstPid) process.kill(firstPid, 'SIGKILL');
      },
    });
    const error = await engineError(running);
    expect(error.code).toBe('GENERATION_FAILED');
    expect(error.message).toContain('killed by SIGKILL');
    expect(error.message).toContain('text so far is kept');
    expect(deltas.length).toBeGreaterThanOrEqual(3);

    const ready = await waitForStatus(engine, (status) => status.state === 'ready');
    stop();
    expect(ready).toMatchObject({ modelPath, error: null });
    expect(engine.processId()).not.toBe(firstPid);
    const during = statuses.filter((status) => status.state !== 'ready');
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((status) => status.error?.includes('killed by SIGKILL'))).toBe(true);
    expect(during.every((status) => status.state === 'loading' && status.modelPath === modelPath)).toBe(true);

    const next = await engine.generate(ask('Are you back?', { maxTokens: 5 }));
    expect(next.stats.generatedTokens).toBeGreaterThan(0);
  }, 60_000);

  it('after a crash and restart, a conversation continues from its saved KV state instead of re-evaluating', async () => {
    const dataDir = join(dir, 'data');
    const fresh = createAppEngine({ threads: 1, dataDir, kvSaveDelayMs: 0 });
    try {
      await fresh.load(modelPath);
      const turns: GenerateRequest['turns'] = [
        { role: 'user', content: `Tell me about rivers. ${'Every detail matters to me here. '.repeat(10)}` },
      ];
      const first = await fresh.generate({ turns, settings: { seed: 1, maxTokens: 6 }, cacheKey: 'rivers' });
      expect(first.stats.promptTokens).toBeGreaterThan(100);
      await until(async () => (await savedStates(join(dataDir, 'kv-cache'))) > 0);

      const pid = fresh.processId();
      process.kill(pid ?? 0, 'SIGKILL');
      await waitForStatus(fresh, (status) => status.state === 'loading');
      await waitForStatus(fresh, (status) => status.state === 'ready');
      expect(fresh.processId()).not.toBe(pid);

      const next = await fresh.generate({
        turns: [...turns, { role: 'assistant', content: first.text }, { role: 'user', content: 'And lakes?' }],
        settings: { seed: 1, maxTokens: 4 },
        cacheKey: 'rivers',
      });
      expect(next.stats.evaluatedPromptTokens).toBeLessThan(next.stats.promptTokens - first.stats.promptTokens + 10);
    } finally {
      await fresh.dispose();
    }
  }, 60_000);

  it('keeps the previous model when a new one aborts llama.cpp while loading (GGML_ASSERT)', async () => {
    const bad = join(dir, 'missing-key.gguf');
    await writeAbortingModel(bad);
    const firstPid = engine.processId();
    const error = await engineError(engine.load(bad));
    expect(error.code).toBe('MODEL_LOAD_FAILED');
    expect(error.message).toContain('missing-key.gguf crashed the engine process');
    expect(error.message).toContain('GGML_ASSERT');
    const ready = await waitForStatus(engine, (status) => status.state === 'ready');
    expect(ready.modelPath).toBe(modelPath);
    expect(engine.processId()).not.toBe(firstPid);
    const after = await engine.generate(ask('Still the old model?', { maxTokens: 4 }));
    expect(after.stats.generatedTokens).toBeGreaterThan(0);
  }, 60_000);

  it('says so in its status when the first model crashes the process, and can load a good one after', async () => {
    const fresh = createAppEngine({ threads: 1 });
    try {
      const bad = join(dir, 'first-bad.gguf');
      await writeAbortingModel(bad);
      const error = await engineError(fresh.load(bad));
      expect(error.code).toBe('MODEL_LOAD_FAILED');
      const status = await waitForStatus(fresh, (value) => value.state === 'error');
      expect(status.error).toContain('crashed the engine');
      expect(status.error).toContain('Load a model to continue');
      expect((await engineError(fresh.generate(ask('Anyone?')))).code).toBe('NO_MODEL');
      await fresh.load(modelPath);
      expect(fresh.status()).toMatchObject({ state: 'ready', error: null });
    } finally {
      await fresh.dispose();
    }
  }, 60_000);

  it('keeps the host event loop free while the engine process handles a 10 MB paste', async () => {
    const paste = 'lorem ipsum dolor sit amet '.repeat(400_000); // ~10.8 MB
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 10);
    try {
      const started = performance.now();
      const error = await engineError(engine.generate(ask(paste)));
      const elapsed = performance.now() - started;
      expect(error.code).toBe('CONTEXT_OVERFLOW');
      expect(error.message).toContain('too long for the model');
      expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 10 / 3));
      expect(longestGap).toBeLessThan(250); // sending 10 MB costs the host a few ms of copying; the rest is elsewhere
    } finally {
      clearInterval(timer);
    }
    const after = await engine.generate(ask('Short again.', { maxTokens: 3 }));
    expect(after.stats.generatedTokens).toBeGreaterThan(0);
  }, 60_000);

  it('shuts the process down on dispose and refuses further use', async () => {
    const fresh = createAppEngine({ threads: 1 });
    await fresh.load(modelPath);
    const pid = fresh.processId();
    expect(pid).toBeGreaterThan(0);
    await fresh.dispose();
    expect(() => process.kill(pid ?? 0, 0)).toThrow(); // the process is gone
    expect(fresh.status().state).toBe('noModel');
    expect((await engineError(fresh.generate(ask('Hello?')))).code).toBe('DISPOSED');
  }, 60_000);
});
