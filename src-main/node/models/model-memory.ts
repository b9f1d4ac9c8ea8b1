import os from 'node:os';
import { contextWindowFor } from '../engine/context-window';
import { formatBytes } from '../../common/byte-format';
import { PHI2_CATALOG, type ModelCatalogEntry } from './catalog';

/**
 * How much memory a model needs once loaded, checked against what the machine has before llama.cpp is asked to
 * load it: a model that does not fit should get a clear "not enough memory" and leave the current model loaded,
 * not push the machine into swap or get the process killed halfway through.
 *
 * Why not node-llama-cpp's `GgufInsights` resource estimates: they need llama.cpp's native bindings, which the host
 * process never loads (llama.cpp runs in the engine process so that a crash there is survivable). Compared on the
 * Phi-2-shaped synthetic model (Q4_0, 2,048-token context, mmap off): this estimate 2,314 MiB, GgufInsights'
 * 2,367 MiB (model 1,494 + context 873), the engine process's measured peak RSS 2,371 MiB (see the README's
 * Performance section) — GgufInsights is 2% closer, not enough to load native code into the host for it.
 */

/** The dimensions that decide a model's memory use (from its GGUF metadata, see `modelShape`). */
export interface ModelShape {
  /** `general.architecture`, e.g. `phi2`. */
  architecture: string;
  /** The model file's size: the weights, loaded into memory whole (the engine does not mmap). */
  fileSize: number;
  /** `<arch>.context_length`, if present. */
  trainContextSize: number | null;
  /** `<arch>.block_count`: transformer layers. */
  blockCount: number;
  /** `<arch>.embedding_length`. */
  embeddingLength: number;
  /** `<arch>.attention.head_count`. */
  headCount: number;
  /** `<arch>.attention.head_count_kv` (equals `headCount` without grouped-query attention). */
  headCountKv: number;
  /** Tokens in the vocabulary, if known. */
  vocabSize: number | null;
}

/** A memory estimate in bytes, by part. */
export interface MemoryEstimate {
  weightsBytes: number;
  /** The KV cache for the whole context (f16 keys and values for every layer and position). */
  kvCacheBytes: number;
  /** llama.cpp's compute buffer: attention scores and activations for one batch, plus a row of logits. */
  computeBytes: number;
  totalBytes: number;
  contextSize: number;
}

export interface EstimateOptions {
  /**
   * Context the engine will create. Default: what it creates for this model — its training context, at most the app's
   * 2,048-token window (`contextWindowFor`).
   */
  contextSize?: number;
  /** Tokens evaluated per batch. Default 512 (node-llama-cpp's default for contexts of 512 and more). */
  batchSize?: number;
}

const F16_BYTES = 2;
const F32_BYTES = 4;
/** Activations kept per token per embedding dimension in one layer's graph (a rough, generous count). */
const ACTIVATIONS_PER_EMBEDDING = 10;

/**
 * Estimates the memory a model needs with a context of the given size. For Phi-2 (32 layers × 2560) the KV cache
 * is 2 × 32 × 2560 × 2 bytes = 320 KiB per token, 640 MiB for the full 2048-token window, on top of the weights.
 */
export function estimateModelMemory(shape: ModelShape, options: EstimateOptions = {}): MemoryEstimate {
  const contextSize = options.contextSize ?? contextWindowFor(shape.trainContextSize);
  const batchSize = Math.min(options.batchSize ?? 512, contextSize);
  const kvWidth = (shape.embeddingLength / shape.headCount) * shape.headCountKv;
  const kvCacheBytes = 2 * shape.blockCount * contextSize * kvWidth * F16_BYTES;
  const attentionScores = shape.headCount * contextSize * batchSize * F32_BYTES;
  const activations = ACTIVATIONS_PER_EMBEDDING * shape.embeddingLength * batchSize * F32_BYTES;
  const logits = (shape.vocabSize ?? 0) * F32_BYTES;
  const computeBytes = attentionScores + activations + logits;
  return {
    weightsBytes: shape.fileSize,
    kvCacheBytes,
    computeBytes,
    totalBytes: shape.fileSize + kvCacheBytes + computeBytes,
    contextSize,
  };
}

/**
 * Memory this process can still use: `process.availableMemory()` honours container (cgroup) limits; on Linux
 * `os.freemem()` is MemAvailable, which counts reclaimable page cache as free, as it should.
 */
export function availableMemoryBytes(): number {
  return typeof process.availableMemory === 'function' ? process.availableMemory() : os.freemem();
}

/** The verdict of `checkModelMemory`. */
export interface MemoryCheck {
  fits: boolean;
  estimate: MemoryEstimate;
  availableBytes: number;
  /** For the user when it does not fit; `null` when it does. */
  message: string | null;
  /** For a Phi-2 model that does not fit: the largest catalog quantization that would, if any. */
  smallerModel: ModelCatalogEntry | null;
}

export interface MemoryCheckOptions extends EstimateOptions {
  /** Free memory to compare against. Default: `availableMemoryBytes()`, read now. */
  availableBytes?: number;
  /** Memory left over for the OS and the app itself. Default 256 MB. */
  headroomBytes?: number;
  /** The model's name for the message. Default: "This model". */
  modelName?: string;
}

/**
 * Checks that a model with this shape fits in the memory available now, leaving headroom. Call it before
 * loading; while an old model stays loaded until the new one is ready, its memory is already counted as used.
 */
export function checkModelMemory(shape: ModelShape, options: MemoryCheckOptions = {}): MemoryCheck {
  const estimate = estimateModelMemory(shape, options);
  const availableBytes = options.availableBytes ?? availableMemoryBytes();
  const headroom = options.headroomBytes ?? 256e6;
  if (estimate.totalBytes + headroom <= availableBytes) {
    return { fits: true, estimate, availableBytes, message: null, smallerModel: null };
  }
  const contextPart = estimate.totalBytes - estimate.weightsBytes;
  // The context's share is the same for every Phi-2 quantization: only the weights shrink.
  const fitsWith = (entry: ModelCatalogEntry): boolean =>
    approximateSize(entry) < shape.fileSize && approximateSize(entry) + contextPart + headroom <= availableBytes;
  const smallerModel = shape.architecture === 'phi2' ? ([...PHI2_CATALOG].reverse().find(fitsWith) ?? null) : null;
  const advice = smallerModel
    ? `Close other apps, or choose a smaller download such as ${smallerModel.quantization} (${smallerModel.sizeLabel}).`
    : 'Close other apps and try again.';
  const message =
    `${options.modelName ?? 'This model'} needs about ${formatBytes(estimate.totalBytes)} of memory ` +
    `(${formatBytes(estimate.weightsBytes)} of weights and ${formatBytes(contextPart)} for its ` +
    `${estimate.contextSize.toLocaleString('en-US')}-token context), but only ${formatBytes(availableBytes)} is available. ${advice}`;
  return { fits: false, estimate, availableBytes, message, smallerModel };
}

/** A catalog entry's size: exact when pinned, else from its label (decimal GB). */
function approximateSize(entry: ModelCatalogEntry): number {
  return entry.sizeBytes ?? Number.parseFloat(entry.sizeLabel) * 1e9;
}
