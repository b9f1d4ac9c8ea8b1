import { plural } from '../../common/plural';
import { FileOpenError, openRegularFile, type OpenRegularFile } from '../files/regular-file';
import type { FileHandle } from 'node:fs/promises';
import { GgufFormatError, isArraySummary, nestedUnder, readGgufMetadata, type GgufMetadata } from './gguf-metadata';
import { EngineError } from './port';

/**
 * A model file checked before it reaches llama.cpp, which answers most damage with a generic "failed to load model".
 * The file must be a regular file (opened without blocking, so a named pipe is refused at once), and its fixed header
 * must be sane: its counts are checked against the file's size first (node-llama-cpp's reader, used before, trusted
 * them: a header claiming 2^40 tensors made it spin for ever). The metadata and tensor infos are then read
 * (gguf-metadata.ts), and the tensors' extent is checked against the file's end.
 */

/** What the file says about a model. */
export interface ModelFileInfo {
  /** Absolute or relative path as given. */
  path: string;
  fileSize: number;
  /** GGUF version: 2 or 3. */
  version: number;
  tensorCount: number;
  metadataCount: number;
  /** `general.architecture`, e.g. `phi2`. */
  architecture: string;
  /** `general.name`, if the file has one. */
  name: string | null;
  /** Whether the metadata carries a chat template (`tokenizer.chat_template`), used to format prompts. */
  hasChatTemplate: boolean;
  /** Entries of `tokenizer.ggml.tokens`, if present. */
  vocabularySize: number | null;
  /**
   * The longest entry of `tokenizer.ggml.tokens`, in UTF-8 bytes: no token stands for more bytes of text than this
   * (byte-level and SentencePiece vocabularies store each token's text with at least as many bytes), so a text's
   * bytes divided by it bound its token count from below.
   */
  longestTokenBytes: number | null;
  /** `<architecture>.context_length`: the context the model was trained with, if present. */
  contextLength: number | null;
  /** `general.alignment` (default 32). */
  alignment: number;
  /** Byte offset where tensor data starts. */
  dataOffset: number;
  /** The architecture's own metadata (`<architecture>.*`: block count, embedding length, heads …). */
  architectureMetadata: Readonly<Record<string, unknown>>;
}

/**
 * Reads and checks a model file (see above). Reads only the header, so it takes milliseconds even for a
 * multi-gigabyte model.
 * @throws EngineError `MODEL_NOT_FOUND` when there is no file at `path`, `MODEL_INVALID` for anything else wrong.
 */
export async function inspectModelFile(path: string): Promise<ModelFileInfo> {
  let file: OpenRegularFile;
  try {
    // Non-blocking and checked on the open descriptor: a named pipe is refused at once instead of hanging the open.
    file = await openRegularFile(path);
  } catch (error) {
    if (error instanceof FileOpenError && error.problem === 'NOT_FOUND') {
      throw new EngineError('MODEL_NOT_FOUND', `Model file not found: ${path}`, { cause: error });
    }
    throw new EngineError('MODEL_INVALID', (error as Error).message, { cause: error });
  }
  const { handle, stats } = file;
  try {
    const bytes = Buffer.alloc(Math.min(FIXED_HEADER_BYTES, stats.size));
    await handle.read(bytes, 0, bytes.length, 0);
    const header = checkFixedHeader(bytes, stats.size, path);
    return await readModelInfo(handle, path, stats.size, header);
  } finally {
    await handle.close();
  }
}

/** Magic, version, tensor count and metadata count: the part of a GGUF header whose size is fixed. */
const FIXED_HEADER_BYTES = 24;
/** Smallest possible metadata entry: u64 key length + 1 key byte + u32 type + 1 value byte. */
const MIN_KV_BYTES = 14;
/** Smallest possible tensor info: u64 name length + 1 name byte + u32 n_dims + u32 type + u64 offset. */
const MIN_TENSOR_INFO_BYTES = 25;

interface FixedHeader {
  version: number;
  tensorCount: number;
  metadataCount: number;
}

/** The guard before the metadata is read: a GGUF file, version 2 or 3, with counts its size can hold. */
function checkFixedHeader(bytes: Buffer, fileSize: number, path: string): FixedHeader {
  if (fileSize < FIXED_HEADER_BYTES) throw invalid(path, `it is only ${plural(fileSize, 'byte')}, too small for a GGUF header`);
  if (bytes.toString('latin1', 0, 4) !== 'GGUF') throw invalid(path, 'it is not a GGUF file');
  const version = bytes.readUInt32LE(4);
  if (version !== 2 && version !== 3) throw invalid(path, `GGUF version ${version} is not supported (only versions 2 and 3)`);
  const count = (at: number): number => {
    // Past 2^53 a count is never legitimate: Infinity, so the bound check below fails.
    const value = bytes.readBigUInt64LE(at);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  const tensorCount = count(8);
  const metadataCount = count(16);
  const room = fileSize - FIXED_HEADER_BYTES;
  if (tensorCount > room / MIN_TENSOR_INFO_BYTES || metadataCount > room / MIN_KV_BYTES) {
    throw invalid(
      path,
      `its header claims ${claimed(tensorCount, 'tensor')} and ${claimed(metadataCount, 'metadata entry', 'metadata entries')}, ` +
        `more than a ${fileSize.toLocaleString('en-US')}-byte file can hold (the file is damaged)`,
    );
  }
  return { version, tensorCount, metadataCount };
}

/** The metadata and tensor infos (see gguf-metadata.ts), checked for what the app and llama.cpp need. */
async function readModelInfo(handle: FileHandle, path: string, fileSize: number, header: FixedHeader): Promise<ModelFileInfo> {
  let gguf: GgufMetadata;
  try {
    gguf = await readGgufMetadata(handle, fileSize, header);
  } catch (error) {
    if (!(error instanceof GgufFormatError)) throw invalid(path, `it could not be read (${(error as Error).message})`);
    throw invalid(path, `it is truncated or damaged (${error.message})`);
  }
  const value = (key: string): unknown => gguf.values.get(key);
  const architecture = value('general.architecture');
  if (typeof architecture !== 'string' || architecture === '') throw invalid(path, 'it has no general.architecture');
  const alignmentValue = value('general.alignment');
  const alignment = typeof alignmentValue === 'number' ? alignmentValue : 32;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw invalid(path, `general.alignment ${alignment} is not a power of two`);
  }
  const name = value('general.name');
  const tokens = value('tokenizer.ggml.tokens');
  const vocabulary = vocabularyOf(tokens);
  const architectureMetadata = nestedUnder(gguf.values, architecture);
  const contextLength = architectureMetadata.context_length;
  const dataOffset = Math.ceil(gguf.infoEnd / alignment) * alignment;
  const dataEnd = tensorDataEnd(gguf.tensors, path);
  if (header.tensorCount > 0 && dataOffset + dataEnd > fileSize) {
    throw invalid(
      path,
      `it is truncated: the tensors need ${plural(dataOffset + dataEnd, 'byte')} but the file has ${fileSize.toLocaleString('en-US')} ` +
        '(an incomplete download?)',
    );
  }
  return {
    path,
    fileSize,
    version: header.version,
    tensorCount: header.tensorCount,
    metadataCount: header.metadataCount,
    architecture,
    name: typeof name === 'string' ? name : null,
    hasChatTemplate: typeof value('tokenizer.chat_template') === 'string',
    vocabularySize: vocabulary?.size ?? null,
    longestTokenBytes: vocabulary?.longestBytes ?? null,
    contextLength: typeof contextLength === 'number' ? contextLength : null,
    alignment,
    dataOffset,
    architectureMetadata,
  };
}

/** The vocabulary's size and longest token, from `tokenizer.ggml.tokens` (kept for a short list, else summarised). */
function vocabularyOf(tokens: unknown): { size: number; longestBytes: number } | null {
  if (isArraySummary(tokens)) return tokens.longestStringBytes === null ? null : { size: tokens.arrayLength, longestBytes: tokens.longestStringBytes };
  if (!Array.isArray(tokens)) return null;
  const strings = tokens.filter((token): token is string => typeof token === 'string');
  return { size: strings.length, longestBytes: strings.reduce((longest, token) => Math.max(longest, Buffer.byteLength(token)), 0) };
}

/**
 * ggml type id → [elements per block, bytes per block] (gguf-py `GGML_QUANT_SIZES`). node-llama-cpp knows these only
 * through its native bindings, which the host process does not load; unknown (newer) types pass, llama.cpp checks
 * their sizes itself.
 */
const GGML_TYPE_SIZES: Partial<Record<number, readonly [number, number]>> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 40],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17], 40: [64, 36], 41: [128, 18], 42: [64, 18],
}; // prettier-ignore

/** Where the furthest tensor's data ends, relative to the data section. */
function tensorDataEnd(tensors: readonly { name: string; dimensions: readonly number[]; ggmlType: number; offset: number }[], path: string): number {
  let end = 0;
  for (const tensor of tensors) {
    const elements = tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
    const size = GGML_TYPE_SIZES[tensor.ggmlType];
    const bytes = size ? Math.ceil(elements / size[0]) * size[1] : 0;
    const offset = Number(tensor.offset);
    if (!Number.isSafeInteger(elements) || !Number.isSafeInteger(offset + bytes)) {
      throw invalid(path, `tensor ${tensor.name} has an impossible size (${tensor.dimensions.map((dim) => claimed(Number(dim))).join('×')})`);
    }
    end = Math.max(end, offset + bytes);
  }
  return end;
}

/**
 * A count read from the header, in words. Values past 2^53 are Infinity here (so bound checks fail), which must not
 * reach a message as "Infinity tensors".
 */
function claimed(count: number, one?: string, many?: string): string {
  if (Number.isFinite(count)) return one === undefined ? count.toLocaleString('en-US') : plural(count, one, many);
  const limit = Number.MAX_SAFE_INTEGER.toLocaleString('en-US');
  return one === undefined ? `more than ${limit}` : `more than ${limit} ${many ?? `${one}s`}`;
}

function invalid(path: string, reason: string): EngineError {
  return new EngineError('MODEL_INVALID', `${path} is not a usable model: ${reason}.`);
}
