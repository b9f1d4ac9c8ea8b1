import type { ModelFileInfo } from './model-file';

/** The types the KV cache's keys can take in this app. */
export type KvKeyType = 'F16' | 'Q8_0';

/** Values per block: a quantized type stores its values in blocks of this many, each with its own scale. */
const BLOCK_VALUES: Record<KvKeyType, number> = { F16: 1, Q8_0: 32 };

/** The key type a model's context gets, and why it is not the one asked for (null when it is). */
export interface KeyTypeChoice {
  type: KvKeyType;
  fallback: string | null;
}

/**
 * The key type a model's context can use: the one requested, unless llama.cpp would compute wrong logits with it.
 *
 * llama.cpp reads the keys of each attention head as a view into the cache's rows, one head's width apart. With a
 * quantized type that only works when a head's width is a multiple of the type's block (32 values for Q8_0): with
 * flash attention llama.cpp refuses other widths, but without it (the app's setting) it does not check, and each
 * head's view starts inside a block — the logits come out NaN from the first token on (node-llama-cpp 3.21.1,
 * synthetic models with heads 40, 48 and 80 wide; 32, 64, 96 and 128 were fine). Phi-2's heads are 80 wide. So a
 * quantized type is used only where the file says the heads' width and it is a multiple of the block; F16 otherwise.
 */
export function usableKeyType(requested: KvKeyType, info: ModelFileInfo): KeyTypeChoice {
  const block = BLOCK_VALUES[requested];
  if (block === 1) return { type: requested, fallback: null };
  const width = keyHeadWidth(info);
  if (width !== null && width % block === 0) return { type: requested, fallback: null };
  const what = width === null ? 'the width of its attention heads is not known' : `its attention heads are ${width} values wide`;
  return {
    type: 'F16',
    fallback: `${requested} keys need attention heads a multiple of ${block} values wide, and ${what}: F16 keys are used.`,
  };
}

/**
 * The width of one attention head's keys, as llama.cpp takes it: `<arch>.attention.key_length`, or the embedding
 * length over the head count. Null when the file does not say.
 */
export function keyHeadWidth(info: ModelFileInfo): number | null {
  const number = (key: string): number | null => {
    let value: unknown = info.architectureMetadata;
    for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
  };
  const keyLength = number('attention.key_length');
  if (keyLength !== null) return keyLength;
  const embedding = number('embedding_length');
  const heads = number('attention.head_count');
  return embedding !== null && heads !== null && embedding % heads === 0 ? embedding / heads : null;
}
