import { buildByteLevelVocab } from './gpt2-vocab';
import {
  float32ToFloat16Bits,
  gguf,
  tensorByteSize,
  writeGguf,
  type GgmlTensorType,
  type GgufFile,
  type GgufTensor,
  type GgufValue,
} from './gguf-writer';
import { Xoshiro128 } from './prng';

/**
 * Synthetic Phi-2 models: real `phi2` GGUF files (the keys and tensors llama.cpp's LLM_ARCH_PHI2 loader reads, a
 * GPT-2 byte-level tokenizer with `tokenizer.ggml.pre = "phi-2"`) filled with seeded random weights. They load and
 * generate exactly like the real model (same code paths in llama.cpp), just with nonsense text, so tests and
 * benchmarks run without downloading 1.6 GB.
 */

/** The dimensions of a Phi-2-architecture model. */
export interface Phi2Shape {
  /** `general.name`. */
  name: string;
  contextLength: number;
  /** Hidden size (`n_embd`); a multiple of 32 when `weightType` is Q4_0. */
  embeddingLength: number;
  feedForwardLength: number;
  blockCount: number;
  /** Attention heads; Phi-2 has no grouped-query attention, so key/value heads are the same number. */
  headCount: number;
  /** Rotary dimensions per head (Phi-2 rotates 32 of its 80). */
  ropeDimensionCount: number;
  vocabSize: number;
  /** Id of `<|endoftext|>` (BOS = EOS = padding). Default `min(50256, vocabSize - 1)`, 50256 as in real Phi-2. */
  endOfTextId?: number;
  layerNormEpsilon: number;
  /** Type of the 2-D weight matrices; norms and biases are always F32 (as llama-quantize leaves them). */
  weightType: GgmlTensorType;
}

/**
 * A model small enough to generate in milliseconds and to run ~1000 tokens/s on two cores, but real in every way that
 * matters: Q4_0 matrices (the CPU repacking path), partial rotary embeddings, 2048-token context, a byte-level vocab
 * that tokenizes any text. About 0.6 MB.
 */
export const TINY_SHAPE: Readonly<Phi2Shape> = {
  name: 'Phi-2 synthetic tiny',
  contextLength: 2048,
  embeddingLength: 128,
  feedForwardLength: 512,
  blockCount: 2,
  headCount: 4,
  ropeDimensionCount: 16,
  vocabSize: 2048,
  layerNormEpsilon: 1e-5,
  weightType: 'Q4_0',
};

/** The real Phi-2's dimensions (2.7 B parameters), Q4_0 like the common `phi-2.Q4_0.gguf`: about 1.6 GB. */
export const PHI2_SHAPE: Readonly<Phi2Shape> = {
  name: 'Phi-2 synthetic',
  contextLength: 2048,
  embeddingLength: 2560,
  feedForwardLength: 10240,
  blockCount: 32,
  headCount: 32,
  ropeDimensionCount: 32,
  vocabSize: 51200,
  layerNormEpsilon: 1e-5,
  weightType: 'Q4_0',
};

/** Bumped whenever the bytes written for a given shape and seed change, so cached test models are regenerated. */
export const SYNTHETIC_MODEL_VERSION = 1;

export interface SyntheticModelOptions {
  /** Same seed ⇒ byte-identical file. Default 1. */
  seed?: number;
  onProgress?: (writtenBytes: number, totalBytes: number) => void;
}

/**
 * Writes a synthetic Phi-2 model to `path` (atomically: temp file, then rename), streaming tensor by tensor so even
 * the full-size shape needs only a few MB of memory.
 * @returns the file size in bytes.
 */
export async function writeSyntheticPhi2Model(
  path: string,
  shape: Readonly<Phi2Shape>,
  options: SyntheticModelOptions = {},
): Promise<number> {
  return writeGguf(path, describeSyntheticPhi2Model(shape, options.seed ?? 1), { onProgress: options.onProgress });
}

/** The GGUF description (metadata and lazily generated tensors) of a synthetic Phi-2 model. */
export function describeSyntheticPhi2Model(shape: Readonly<Phi2Shape>, seed: number): GgufFile {
  validateShape(shape);
  const endOfTextId = shape.endOfTextId ?? Math.min(50256, shape.vocabSize - 1);
  const vocab = buildByteLevelVocab(shape.vocabSize, endOfTextId);
  const arch = 'phi2';
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', gguf.str(arch)],
    ['general.name', gguf.str(shape.name)],
    [`${arch}.context_length`, gguf.u32(shape.contextLength)],
    [`${arch}.embedding_length`, gguf.u32(shape.embeddingLength)],
    [`${arch}.feed_forward_length`, gguf.u32(shape.feedForwardLength)],
    [`${arch}.block_count`, gguf.u32(shape.blockCount)],
    [`${arch}.attention.head_count`, gguf.u32(shape.headCount)],
    [`${arch}.attention.head_count_kv`, gguf.u32(shape.headCount)],
    [`${arch}.attention.layer_norm_epsilon`, gguf.f32(shape.layerNormEpsilon)],
    [`${arch}.rope.dimension_count`, gguf.u32(shape.ropeDimensionCount)],
    ['general.file_type', gguf.u32(LLAMA_FTYPE[shape.weightType])],
    ['general.quantization_version', gguf.u32(2)],
    ['tokenizer.ggml.model', gguf.str('gpt2')],
    ['tokenizer.ggml.pre', gguf.str('phi-2')],
    ['tokenizer.ggml.tokens', gguf.strings(vocab.tokens)],
    ['tokenizer.ggml.token_type', gguf.numbers('int32', vocab.tokenTypes)],
    ['tokenizer.ggml.merges', gguf.strings(vocab.merges)],
    ['tokenizer.ggml.bos_token_id', gguf.u32(endOfTextId)],
    ['tokenizer.ggml.eos_token_id', gguf.u32(endOfTextId)],
    ['tokenizer.ggml.unknown_token_id', gguf.u32(endOfTextId)],
    ['tokenizer.ggml.padding_token_id', gguf.u32(endOfTextId)],
    // Phi-2 is trained without a BOS token; llama.cpp would otherwise add one for gpt2 vocabularies.
    ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
  ];

  const { embeddingLength: embd, feedForwardLength: ff, vocabSize: vocabSize } = shape;
  const specs: Array<{ name: string; dims: number[]; kind: WeightKind }> = [];
  specs.push({ name: 'token_embd.weight', dims: [embd, vocabSize], kind: 'matrix' });
  for (let i = 0; i < shape.blockCount; i++) {
    const block = `blk.${i}`;
    specs.push(
      { name: `${block}.attn_norm.weight`, dims: [embd], kind: 'normWeight' },
      { name: `${block}.attn_norm.bias`, dims: [embd], kind: 'bias' },
      // Phi-2 stores Q, K and V fused; llama.cpp splits the 3·n_embd rows itself.
      { name: `${block}.attn_qkv.weight`, dims: [embd, 3 * embd], kind: 'matrix' },
      { name: `${block}.attn_qkv.bias`, dims: [3 * embd], kind: 'bias' },
      { name: `${block}.attn_output.weight`, dims: [embd, embd], kind: 'matrix' },
      { name: `${block}.attn_output.bias`, dims: [embd], kind: 'bias' },
      { name: `${block}.ffn_up.weight`, dims: [embd, ff], kind: 'matrix' },
      { name: `${block}.ffn_up.bias`, dims: [ff], kind: 'bias' },
      { name: `${block}.ffn_down.weight`, dims: [ff, embd], kind: 'matrix' },
      { name: `${block}.ffn_down.bias`, dims: [embd], kind: 'bias' },
    );
  }
  specs.push(
    { name: 'output_norm.weight', dims: [embd], kind: 'normWeight' },
    { name: 'output_norm.bias', dims: [embd], kind: 'bias' },
    { name: 'output.weight', dims: [embd, vocabSize], kind: 'matrix' },
    { name: 'output.bias', dims: [vocabSize], kind: 'bias' },
  );

  const tensors: GgufTensor[] = specs.map(({ name, dims, kind }, index) => {
    const type: GgmlTensorType = kind === 'matrix' ? shape.weightType : 'F32';
    const bytes = tensorByteSize(type, dims);
    // One independent random stream per tensor: a tensor's bytes depend only on the seed and its position.
    return { name, dims, type, data: () => generateTensor(type, kind, bytes, new Xoshiro128(seed, index)) };
  });
  return { metadata, tensors };
}

type WeightKind = 'matrix' | 'normWeight' | 'bias';

/** llama.cpp `llama_ftype` for a file whose matrices are all of one type. */
const LLAMA_FTYPE: Record<GgmlTensorType, number> = { F32: 0, F16: 1, Q4_0: 2 };

/**
 * Standard deviation of matrix weights: GPT-2's initialisation. Logits then stay around ±1 even at full width, so
 * sampling is well-defined (no NaN/inf) and no single token dominates.
 */
const WEIGHT_STD = 0.02;
const BIAS_STD = 0.01;
const NORM_WEIGHT_STD = 0.05;
const CHUNK_BYTES = 1 << 20;

function* generateTensor(
  type: GgmlTensorType,
  kind: WeightKind,
  bytes: number,
  rng: Xoshiro128,
): Generator<Uint8Array> {
  if (type === 'Q4_0') {
    yield* generateQ4_0(bytes, rng);
    return;
  }
  const elementBytes = type === 'F32' ? 4 : 2;
  const chunkElements = CHUNK_BYTES / elementBytes;
  const f32 = new Float32Array(type === 'F32' ? chunkElements : 0);
  const f16 = new Uint16Array(type === 'F16' ? chunkElements : 0);
  const [mean, std] = kind === 'normWeight' ? [1, NORM_WEIGHT_STD] : kind === 'bias' ? [0, BIAS_STD] : [0, WEIGHT_STD];
  for (let left = bytes / elementBytes; left > 0; ) {
    const count = Math.min(left, chunkElements);
    for (let i = 0; i < count; i++) {
      const value = mean + 2 * std * rng.nextCentered(); // nextCentered has std 0.5
      if (type === 'F32') f32[i] = value;
      else f16[i] = float32ToFloat16Bits(value);
    }
    const view = type === 'F32' ? f32 : f16;
    yield new Uint8Array(view.buffer, 0, count * elementBytes);
    left -= count;
  }
}

/**
 * Q4_0 blocks drawn directly (quantising floats would be far slower): a jittered f16 scale, then 32 random nibbles.
 * Nibble 0 (weight −8) is remapped to 8 (weight 0) so weights are symmetric in [−7, 7] (mean 0, std ≈ 4.2 steps).
 */
function* generateQ4_0(bytes: number, rng: Xoshiro128): Generator<Uint8Array> {
  const blockBytes = 18;
  const blocksPerChunk = Math.floor(CHUNK_BYTES / blockBytes);
  const chunk = new Uint8Array(blocksPerChunk * blockBytes);
  const words = new Uint32Array(4);
  const nibbleBytes = new Uint8Array(words.buffer);
  for (let left = bytes / blockBytes; left > 0; ) {
    const count = Math.min(left, blocksPerChunk);
    for (let block = 0; block < count; block++) {
      const base = block * blockBytes;
      const scale = Q4_0_SCALES[rng.nextUint32() & 63] ?? 0;
      chunk[base] = scale & 0xff;
      chunk[base + 1] = scale >>> 8;
      words[0] = rng.nextUint32();
      words[1] = rng.nextUint32();
      words[2] = rng.nextUint32();
      words[3] = rng.nextUint32();
      for (let i = 0; i < 16; i++) chunk[base + 2 + i] = SYMMETRIC_NIBBLES[nibbleBytes[i] ?? 0] ?? 0;
    }
    yield chunk.subarray(0, count * blockBytes);
    left -= count;
  }
}

/** 64 f16 scales within ±25% of the one that gives weights a standard deviation of `WEIGHT_STD`. */
const Q4_0_SCALES = Array.from({ length: 64 }, (_, i) =>
  float32ToFloat16Bits((WEIGHT_STD / Math.sqrt(17.5)) * (0.75 + (0.5 * i) / 63)),
);

/** Byte → the same byte with each zero nibble replaced by 8. */
const SYMMETRIC_NIBBLES = Uint8Array.from({ length: 256 }, (_, byte) => {
  const low = byte & 15 || 8;
  const high = byte >>> 4 || 8;
  return (high << 4) | low;
});

function validateShape(shape: Readonly<Phi2Shape>): void {
  const positive = [
    'contextLength',
    'embeddingLength',
    'feedForwardLength',
    'blockCount',
    'headCount',
    'ropeDimensionCount',
    'vocabSize',
  ] as const;
  for (const key of positive) {
    if (!Number.isInteger(shape[key]) || shape[key] <= 0) throw new Error(`shape.${key} must be a positive integer`);
  }
  if (shape.embeddingLength % shape.headCount !== 0) throw new Error('embeddingLength must divide by headCount');
  const headSize = shape.embeddingLength / shape.headCount;
  if (shape.ropeDimensionCount > headSize || shape.ropeDimensionCount % 2 !== 0) {
    throw new Error(`ropeDimensionCount must be even and at most the head size (${headSize})`);
  }
}
