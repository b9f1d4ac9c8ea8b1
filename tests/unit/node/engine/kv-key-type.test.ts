import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { keyHeadWidth, usableKeyType } from '../../../../src-main/node/engine/kv-key-type';
import { inspectModelFile } from '../../../../src-main/node/engine/model-file';
import { acquireLlama } from '../../../../src-main/node/engine/llama-runtime';
import { compareKeyTypes } from '../../../bench/engine/kv-key-quality';
import { getSyntheticModelPath, getTinyModelPath, TINY_MODEL_SEED } from '../../../fixtures/models';
import { TINY_SHAPE } from '../../../support/synthetic-model/synthetic-phi2';
import { useTinyEngines } from './support/tiny-engines';

// Q8_0 keys and the width of the attention heads. llama.cpp (node-llama-cpp 3.21.1, flash attention off) computes NaN
// logits with quantized keys when a head is not a whole number of 32-value blocks wide — Phi-2's heads are 80 wide —
// so the engine uses them only where the heads allow it.

/** The tiny model with attention heads 80 values wide, as Phi-2's (2 heads of 80 instead of 4 of 32). */
const HEADS_80 = { ...TINY_SHAPE, embeddingLength: 160, headCount: 2 };

const { start, scratch } = useTinyEngines('phi-desk-kv-key-');

describe('usableKeyType', () => {
  it('keeps Q8_0 keys for heads a multiple of 32 wide, and falls back to F16 for others (Phi-2: 80)', async () => {
    const tiny = await inspectModelFile(await getTinyModelPath());
    expect(keyHeadWidth(tiny)).toBe(32);
    expect(usableKeyType('Q8_0', tiny)).toEqual({ type: 'Q8_0', fallback: null });
    expect(usableKeyType('F16', tiny)).toEqual({ type: 'F16', fallback: null });

    const wide = await inspectModelFile(await getSyntheticModelPath(HEADS_80, TINY_MODEL_SEED));
    expect(keyHeadWidth(wide)).toBe(80);
    const choice = usableKeyType('Q8_0', wide);
    expect(choice.type).toBe('F16');
    expect(choice.fallback).toMatch(/heads are 80 values wide/);
    expect(usableKeyType('F16', wide)).toEqual({ type: 'F16', fallback: null });
  });

  it("takes the heads' width from key_length when the file has it, and falls back when it cannot tell", async () => {
    const tiny = await inspectModelFile(await getTinyModelPath());
    const withKeyLength = { ...tiny, architectureMetadata: { ...tiny.architectureMetadata, attention: { head_count: 4, key_length: 80 } } };
    expect(keyHeadWidth(withKeyLength)).toBe(80);
    expect(usableKeyType('Q8_0', withKeyLength).type).toBe('F16');
    const unknown = { ...tiny, architectureMetadata: {} };
    expect(keyHeadWidth(unknown)).toBeNull();
    expect(usableKeyType('Q8_0', unknown).fallback).toMatch(/not known/);
  });
});

describe('the engine with Q8_0 keys asked for', () => {
  it('uses F16 keys on a model with 80-wide heads, says so, and answers as with F16 keys', async () => {
    const modelPath = await getSyntheticModelPath(HEADS_80, TINY_MODEL_SEED);
    const dir = scratch('heads-80');
    const logs: string[] = [];
    const question = 'Tell me about rivers and their bridges, in detail. '.repeat(6);
    const request = { turns: [{ role: 'user' as const, content: question }], settings: { seed: 1, maxTokens: 8 }, cacheKey: 'a' };

    const f16 = await start({ kvCacheDir: dir, kvCacheKeyType: 'F16' }, modelPath);
    const reference = await f16.generate(request);
    await f16.dispose();
    const q8 = await start({ kvCacheDir: dir, kvCacheKeyType: 'Q8_0', onLog: (_level, message) => logs.push(message) }, modelPath);
    const reply = await q8.generate(request);
    expect(logs.some((line) => /Q8_0 keys need attention heads a multiple of 32 values wide.*80 values wide/.test(line))).toBe(true);
    expect(reply.text).toBe(reference.text);
    // The same cache identity as F16 keys: the state the F16 engine saved is found and used.
    expect(reply.stats.promptTokens).toBeGreaterThan(40);
    expect(reply.stats.evaluatedPromptTokens).toBeLessThan(4);
    expect(await readdir(dir)).toHaveLength(1);
  });
});

describe("what Q8_0 keys do to llama.cpp's next-token distributions (no guard: node-llama-cpp directly)", () => {
  it('moves them very little where the heads are 32 wide, and makes them NaN where they are 80 wide', async () => {
    const lease = await acquireLlama();
    try {
      const measure = async (path: string) => {
        const model = await lease.llama.loadModel({ modelPath: path, gpuLayers: 0, useMmap: false });
        try {
          const text = 'The river runs under many bridges, and each bridge has its own story to tell. '.repeat(20);
          return await compareKeyTypes(model, model.tokenize(text, false).slice(0, 256), { every: 4, threads: 1 });
        } finally {
          await model.dispose();
        }
      };
      const narrow = await measure(await getTinyModelPath());
      expect(narrow.nonFinitePositions).toBe(0);
      expect(narrow.top1Agreement).toBeGreaterThanOrEqual(0.9); // the random model's distributions are nearly flat: near-ties
      expect(narrow.meanRelativeLogitError).toBeLessThan(0.03);
      expect(narrow.meanKl).toBeLessThan(1e-3);

      // If a llama.cpp update makes this pass, `usableKeyType` may let Q8_0 keys through for Phi-2 again.
      const wide = await measure(await getSyntheticModelPath(HEADS_80, TINY_MODEL_SEED));
      expect(wide.nonFinitePositions).toBe(wide.positions);
    } finally {
      await lease.release();
    }
  });
});
