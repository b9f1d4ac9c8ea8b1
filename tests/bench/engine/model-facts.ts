import { stat } from 'node:fs/promises';
import { readGgufFileInfo } from 'node-llama-cpp';

/** What the memory target is computed from: the model file and its KV cache at the app's context size. */
export interface ModelFacts {
  path: string;
  fileBytes: number;
  architecture: string;
  blockCount: number;
  embeddingLength: number;
  /** Bytes of the K and V caches for `contextSize` tokens in f16 (node-llama-cpp's default cache type). */
  kvCacheBytes: number;
}

/** Reads the GGUF header of `path` and computes the KV cache size for `contextSize` tokens. */
export async function readModelFacts(path: string, contextSize: number): Promise<ModelFacts> {
  const info = await readGgufFileInfo(path, { readTensorInfo: false });
  const metadata = info.metadata as unknown as Record<string, Record<string, unknown>>;
  const architecture = String(metadata.general?.architecture ?? '');
  const arch = metadata[architecture] ?? {};
  // node-llama-cpp nests dotted keys: `phi2.attention.head_count` is metadata.phi2.attention.head_count.
  const number = (key: string): number => {
    let value: unknown = arch;
    for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return value === undefined ? Number.NaN : Number(value);
  };
  const blockCount = number('block_count');
  const embeddingLength = number('embedding_length');
  const heads = number('attention.head_count');
  const kvHeads = Number.isNaN(number('attention.head_count_kv')) ? heads : number('attention.head_count_kv');
  const kvWidth = (embeddingLength / heads) * kvHeads;
  const f16 = 2;
  return {
    path,
    fileBytes: (await stat(path)).size,
    architecture,
    blockCount,
    embeddingLength,
    kvCacheBytes: 2 * blockCount * contextSize * kvWidth * f16,
  };
}
