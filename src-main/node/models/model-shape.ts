import { inspectModelFile } from '../engine/model-file';
import type { ModelShape } from './model-memory';

/**
 * Reads the dimensions `estimateModelMemory` needs from a GGUF file. The header is bounds-checked by
 * `inspectModelFile` first (node-llama-cpp's reader trusts the counts in a header and can hang on a damaged one);
 * only then does node-llama-cpp's reader parse the metadata, from the local file only (`sourceType: 'filesystem'`
 * never touches the network), loaded lazily so the downloader does not pay for the library. That reader opens the
 * file by path again, right after `inspectModelFile` checked it is a regular file (see `LlamaEngine`'s load for why
 * the window between the two is harmless).
 * @throws EngineError `MODEL_NOT_FOUND` / `MODEL_INVALID` from the header check, or `Error` when a needed key is
 * missing.
 */
export async function readModelShape(path: string): Promise<ModelShape> {
  const info = await inspectModelFile(path);
  const { readGgufFileInfo } = await import('node-llama-cpp');
  const gguf = await readGgufFileInfo(path, {
    sourceType: 'filesystem',
    readTensorInfo: false,
    logWarnings: false,
    spliceSplitFiles: false,
    ignoreKeys: ['tokenizer.ggml.merges', 'tokenizer.ggml.token_type', 'tokenizer.ggml.scores'],
  });
  const metadata = gguf.metadata as unknown as Record<string, unknown>;
  const arch = info.architecture;
  const number = (key: string): number | null => {
    let value: unknown = metadata;
    for (const part of `${arch}.${key}`.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };
  const required = (key: string): number => {
    const value = number(key);
    if (value === null || value <= 0) throw new Error(`${path} has no usable ${arch}.${key}.`);
    return value;
  };
  const headCount = required('attention.head_count');
  const tokens = (metadata.tokenizer as { ggml?: { tokens?: unknown } } | undefined)?.ggml?.tokens;
  return {
    architecture: arch,
    fileSize: info.fileSize,
    trainContextSize: info.contextLength,
    blockCount: required('block_count'),
    embeddingLength: required('embedding_length'),
    headCount,
    headCountKv: number('attention.head_count_kv') ?? headCount,
    vocabSize: Array.isArray(tokens) ? tokens.length : null,
  };
}
