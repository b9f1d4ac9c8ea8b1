import type { ModelFileInfo } from '../engine/model-file';
import type { ModelShape } from './model-memory';

/**
 * The dimensions `estimateModelMemory` needs, from a model file's metadata as `inspectModelFile` read it.
 * @throws Error when a needed key is missing.
 */
export function modelShape(info: ModelFileInfo): ModelShape {
  const arch = info.architecture;
  const number = (key: string): number | null => {
    let value: unknown = info.architectureMetadata;
    for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };
  const required = (key: string): number => {
    const value = number(key);
    if (value === null || value <= 0) throw new Error(`${info.path} has no usable ${arch}.${key}.`);
    return value;
  };
  const headCount = required('attention.head_count');
  return {
    architecture: arch,
    fileSize: info.fileSize,
    trainContextSize: info.contextLength,
    blockCount: required('block_count'),
    embeddingLength: required('embedding_length'),
    headCount,
    headCountKv: number('attention.head_count_kv') ?? headCount,
    vocabSize: info.vocabularySize,
  };
}
