import { describe, expect, it } from 'vitest';
import { inspectModelFile } from '../../../../src-main/node/engine/model-file';
import { TINY_SHAPE } from '../../../support/synthetic-model/synthetic-phi2';
import {
  availableMemoryBytes,
  checkModelMemory,
  defaultCatalogEntry,
  estimateModelMemory,
  findCatalogEntry,
  modelShape,
  type ModelShape,
} from '../../../../src-main/node/models';
import { getTinyModelPath } from '../../../fixtures/models';

/** Phi-2's real dimensions, with the size of the Q4_K_M file. */
const PHI2_Q4_K_M: ModelShape = {
  architecture: 'phi2',
  fileSize: 1_789_239_136,
  trainContextSize: 2048,
  blockCount: 32,
  embeddingLength: 2560,
  headCount: 32,
  headCountKv: 32,
  vocabSize: 51200,
};

describe('estimateModelMemory', () => {
  it("counts Phi-2's KV cache at 320 KiB per token, on top of the weights", () => {
    const perToken = estimateModelMemory(PHI2_Q4_K_M, { contextSize: 1 }).kvCacheBytes;
    expect(perToken).toBe(327_680);
    const full = estimateModelMemory(PHI2_Q4_K_M);
    expect(full.contextSize).toBe(2048);
    expect(full.kvCacheBytes).toBe(2048 * 327_680);
    expect(full.weightsBytes).toBe(PHI2_Q4_K_M.fileSize);
    expect(full.computeBytes).toBeGreaterThan(100e6);
    expect(full.computeBytes).toBeLessThan(400e6);
    expect(full.totalBytes).toBe(full.weightsBytes + full.kvCacheBytes + full.computeBytes);
  });

  it('shrinks the KV cache with grouped-query attention and a smaller context', () => {
    const gqa = estimateModelMemory({ ...PHI2_Q4_K_M, headCountKv: 8 });
    expect(gqa.kvCacheBytes).toBe(estimateModelMemory(PHI2_Q4_K_M).kvCacheBytes / 4);
    expect(estimateModelMemory(PHI2_Q4_K_M, { contextSize: 512 }).kvCacheBytes).toBe(512 * 327_680);
  });
});

describe('checkModelMemory', () => {
  it('passes a model that fits with room to spare', () => {
    const check = checkModelMemory(PHI2_Q4_K_M, { availableBytes: 8e9 });
    expect(check).toMatchObject({ fits: true, message: null, smallerModel: null, availableBytes: 8e9 });
  });

  it('refuses a model that does not fit, saying how much it needs and suggesting a smaller quantization', () => {
    const q8 = { ...PHI2_Q4_K_M, fileSize: findCatalogEntry('phi-2.Q8_0.gguf')!.sizeBytes! };
    const check = checkModelMemory(q8, { availableBytes: 3.0e9, modelName: 'phi-2.Q8_0.gguf' });
    expect(check.fits).toBe(false);
    expect(check.message).toMatch(/^phi-2\.Q8_0\.gguf needs about 3\.\d\d GB of memory/);
    expect(check.message).toContain('2.96 GB of weights');
    expect(check.message).toContain('2,048-token context');
    expect(check.message).toContain('only 3.00 GB is available');
    expect(check.smallerModel?.quantization).toBe('Q4_K_M');
    expect(check.message).toContain('Q4_K_M (1.79 GB)');
  });

  it('offers no smaller model when even the smallest would not fit, or for other architectures', () => {
    expect(checkModelMemory(PHI2_Q4_K_M, { availableBytes: 1e9 }).smallerModel).toBeNull();
    expect(checkModelMemory({ ...PHI2_Q4_K_M, architecture: 'llama' }, { availableBytes: 2e9 }).smallerModel).toBeNull();
  });

  it('reads the memory this process can still use', () => {
    const available = availableMemoryBytes();
    expect(available).toBeGreaterThan(0);
    expect(Number.isFinite(available)).toBe(true);
    expect(defaultCatalogEntry().sizeBytes).toBe(PHI2_Q4_K_M.fileSize);
  });
});

describe('modelShape', () => {
  it("reads a GGUF model's dimensions", async () => {
    const shape = modelShape(await inspectModelFile(await getTinyModelPath()));
    expect(shape).toMatchObject({
      architecture: 'phi2',
      trainContextSize: TINY_SHAPE.contextLength,
      blockCount: TINY_SHAPE.blockCount,
      embeddingLength: TINY_SHAPE.embeddingLength,
      headCount: TINY_SHAPE.headCount,
      headCountKv: TINY_SHAPE.headCount,
      vocabSize: TINY_SHAPE.vocabSize,
    });
    expect(shape.fileSize).toBeGreaterThan(0);
  });

});
