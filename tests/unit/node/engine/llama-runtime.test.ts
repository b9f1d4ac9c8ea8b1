import { describe, expect, it } from 'vitest';
import { acquireLlama } from '../../../../src-main/node/engine/llama-runtime';
import { getTinyModelPath } from '../../../fixtures/models';

describe('acquireLlama', () => {
  it('shares one runtime between holders and starts a fresh one after the last release', async () => {
    const first = await acquireLlama();
    const second = await acquireLlama();
    expect(second.llama).toBe(first.llama);
    expect(first.llama.gpu).toBe(false); // the CPU binary, never a GPU probe
    await first.release();
    expect(first.llama.disposed).toBe(false); // still held by `second`
    await second.release();
    await second.release(); // releasing twice is harmless
    expect(first.llama.disposed).toBe(true);

    const third = await acquireLlama();
    try {
      expect(third.llama).not.toBe(first.llama);
      const model = await third.llama.loadModel({ modelPath: await getTinyModelPath(), vocabOnly: true });
      expect(model.tokenize('Instruct:').length).toBeGreaterThan(0);
      await model.dispose();
    } finally {
      await third.release();
    }
  });
});
