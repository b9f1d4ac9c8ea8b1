import type { FileHandle } from 'node:fs/promises';
import { plural } from '../../common/plural';
import { FileOpenError, openRegularFile, type OpenRegularFile } from '../files/regular-file';
import { EngineError } from './port';

/**
 * GGUF header validation, done before a file reaches llama.cpp: node-llama-cpp's own GGUF reader trusts the counts
 * in the header (a header claiming 2^40 tensors makes it spin for ever) and llama.cpp answers most damage with a
 * generic "failed to load model". Reading the header ourselves gives a fast, specific error instead.
 */

/** What the header says about a model file. */
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
}

/**
 * Reads and checks a GGUF file's header: magic, version 2/3, counts that the file size can hold, every metadata
 * entry and tensor info well-formed, and tensor data inside the file. Reads only the header, so it takes milliseconds
 * even for a multi-gigabyte model.
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
    return await readHeader(new HeaderReader(handle, stats.size, path), path);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError('MODEL_INVALID', `Cannot read the model file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await handle.close();
  }
}

const GGUF_MAGIC = 'GGUF';
/** Smallest possible metadata entry: u64 key length + 1 key byte + u32 type + 1 value byte. */
const MIN_KV_BYTES = 14;
/** Smallest possible tensor info: u64 name length + 1 name byte + u32 n_dims + u32 type + u64 offset. */
const MIN_TENSOR_INFO_BYTES = 25;
const VALUE_TYPE = { uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10, int64: 11, float64: 12 } as const; // prettier-ignore
const SCALAR_BYTES: Partial<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }; // prettier-ignore

/** ggml type id → [elements per block, bytes per block] (gguf-py `GGML_QUANT_SIZES`). */
const GGML_TYPE_SIZES: Partial<Record<number, readonly [number, number]>> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 40],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17], 40: [64, 36], 41: [128, 18], 42: [64, 18],
}; // prettier-ignore

async function readHeader(reader: HeaderReader, path: string): Promise<ModelFileInfo> {
  if (reader.fileSize < 24) throw invalid(path, `it is only ${plural(reader.fileSize, 'byte')}, too small for a GGUF header`);
  const magic = await reader.bytes(4);
  if (Buffer.from(magic).toString('latin1') !== GGUF_MAGIC) throw invalid(path, 'it is not a GGUF file');
  const version = await reader.u32();
  if (version !== 2 && version !== 3) {
    throw invalid(path, `GGUF version ${version} is not supported (only versions 2 and 3)`);
  }
  const tensorCount = await reader.u64();
  const metadataCount = await reader.u64();
  const room = reader.fileSize - reader.position;
  if (tensorCount > room / MIN_TENSOR_INFO_BYTES || metadataCount > room / MIN_KV_BYTES) {
    throw invalid(
      path,
      `its header claims ${claimed(tensorCount, 'tensor')} and ${claimed(metadataCount, 'metadata entry', 'metadata entries')}, ` +
        `more than a ${reader.fileSize.toLocaleString('en-US')}-byte file can hold (the file is damaged)`,
    );
  }

  let architecture: string | null = null;
  let name: string | null = null;
  let alignment = 32;
  let hasChatTemplate = false;
  let vocabulary: { count: number; longest: number } | null = null;
  const integers = new Map<string, number>();
  for (let i = 0; i < metadataCount; i++) {
    const key = await reader.string('a metadata key');
    const type = await reader.u32();
    if (key === 'general.architecture' && type === VALUE_TYPE.string) architecture = await reader.string(key);
    else if (key === 'general.name' && type === VALUE_TYPE.string) name = await reader.string(key);
    else if (key === 'general.alignment' && type === VALUE_TYPE.uint32) alignment = await reader.u32();
    else if (key.endsWith('.context_length') && type === VALUE_TYPE.uint32) integers.set(key, await reader.u32());
    else if (key === 'tokenizer.ggml.tokens' && type === VALUE_TYPE.array) vocabulary = await readTokenList(reader, key);
    else {
      if (key === 'tokenizer.chat_template' && type === VALUE_TYPE.string) hasChatTemplate = true;
      await skipValue(reader, type, key);
    }
  }
  if (architecture === null) throw invalid(path, 'it has no general.architecture');
  if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
    throw invalid(path, `general.alignment ${alignment} is not a power of two`);
  }

  let dataEnd = 0; // end of the furthest tensor, relative to the data section
  for (let i = 0; i < tensorCount; i++) {
    const tensorName = await reader.string('a tensor name');
    const dimCount = await reader.u32();
    if (dimCount > 4) throw invalid(path, `tensor ${tensorName} has ${dimCount} dimensions (at most 4)`);
    let elements = 1;
    const dims: number[] = [];
    for (let d = 0; d < dimCount; d++) {
      const dim = await reader.u64();
      dims.push(dim);
      elements *= dim;
    }
    const type = await reader.u32();
    const offset = await reader.u64();
    if (offset % alignment !== 0) throw invalid(path, `tensor ${tensorName} is not aligned to ${plural(alignment, 'byte')}`);
    const size = GGML_TYPE_SIZES[type];
    // Unknown (newer) types pass: llama.cpp knows their sizes and checks them itself.
    const bytes = size ? Math.ceil(elements / size[0]) * size[1] : 0;
    if (!Number.isSafeInteger(elements) || !Number.isSafeInteger(offset + bytes)) {
      throw invalid(path, `tensor ${tensorName} has an impossible size (${dims.map((dim) => claimed(dim)).join('×')})`);
    }
    dataEnd = Math.max(dataEnd, offset + bytes);
  }

  const dataOffset = Math.ceil(reader.position / alignment) * alignment;
  if (tensorCount > 0 && dataOffset + dataEnd > reader.fileSize) {
    throw invalid(
      path,
      `it is truncated: the tensors need ${plural(dataOffset + dataEnd, 'byte')} but the file has ${reader.fileSize.toLocaleString('en-US')} ` +
        '(an incomplete download?)',
    );
  }
  return {
    path,
    fileSize: reader.fileSize,
    version,
    tensorCount,
    metadataCount,
    architecture,
    name,
    hasChatTemplate,
    vocabularySize: vocabulary?.count ?? null,
    longestTokenBytes: vocabulary?.longest ?? null,
    contextLength: integers.get(`${architecture}.context_length`) ?? null,
    alignment,
    dataOffset,
  };
}

/** Reads past an array value, noting its length and longest string (`null` if it is not an array of strings). */
async function readTokenList(reader: HeaderReader, key: string): Promise<{ count: number; longest: number } | null> {
  const itemType = await reader.u32();
  const count = await reader.u64();
  if (itemType !== VALUE_TYPE.string) {
    const itemBytes = SCALAR_BYTES[itemType];
    if (itemBytes === undefined) throw reader.invalid(`metadata ${key} is an array of unknown type ${itemType}`);
    await reader.skip(count * itemBytes, key);
    return null;
  }
  if (count > (reader.fileSize - reader.position) / 8) throw reader.overrun(key);
  let longest = 0;
  for (let i = 0; i < count; i++) {
    const length = await reader.u64();
    longest = Math.max(longest, length);
    await reader.skip(length, key);
  }
  return { count, longest };
}

async function skipValue(reader: HeaderReader, type: number, key: string): Promise<void> {
  if (type === VALUE_TYPE.string) return reader.skip(await reader.u64(), key);
  if (type === VALUE_TYPE.array) {
    const itemType = await reader.u32();
    const count = await reader.u64();
    if (itemType === VALUE_TYPE.string) {
      if (count > (reader.fileSize - reader.position) / 8) throw reader.overrun(key);
      for (let i = 0; i < count; i++) await reader.skip(await reader.u64(), key);
      return;
    }
    const itemBytes = SCALAR_BYTES[itemType];
    if (itemBytes === undefined) throw reader.invalid(`metadata ${key} is an array of unknown type ${itemType}`);
    return reader.skip(count * itemBytes, key);
  }
  const bytes = SCALAR_BYTES[type];
  if (bytes === undefined) throw reader.invalid(`metadata ${key} has unknown type ${type}`);
  return reader.skip(bytes, key);
}

/**
 * A count read from the header, in words. `u64` turns values past 2^53 into Infinity (so bound checks fail), which
 * must not reach a message as "Infinity tensors".
 */
function claimed(count: number, one?: string, many?: string): string {
  if (Number.isFinite(count)) return one === undefined ? count.toLocaleString('en-US') : plural(count, one, many);
  const limit = Number.MAX_SAFE_INTEGER.toLocaleString('en-US');
  return one === undefined ? `more than ${limit}` : `more than ${limit} ${many ?? `${one}s`}`;
}

function invalid(path: string, reason: string): EngineError {
  return new EngineError('MODEL_INVALID', `${path} is not a usable model: ${reason}.`);
}

/** Sequential little-endian reads over a file through a window buffer, never past the end of the file. */
class HeaderReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  position = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly fileSize: number,
    private readonly path: string,
  ) {}

  async u32(): Promise<number> {
    const at = await this.take(4, 'a number');
    return this.window.readUInt32LE(at);
  }

  /** A u64 as a number; values past 2^53 (never legitimate in a header) become Infinity so bound checks fail. */
  async u64(): Promise<number> {
    const at = await this.take(8, 'a number');
    const value = this.window.readBigUInt64LE(at);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  }

  async string(what: string): Promise<string> {
    const length = await this.u64();
    if (length > 1 << 20) {
      // Names and keys are short; a long string here means a damaged header (skip() still bounds real values).
      throw this.invalid(`${what} claims to be ${claimed(length, 'byte')} long`);
    }
    const at = await this.take(length, what);
    return this.window.toString('utf8', at, at + length);
  }

  async bytes(count: number): Promise<Uint8Array> {
    const at = await this.take(count, 'the header');
    return this.window.subarray(at, at + count);
  }

  async skip(count: number, what: string): Promise<void> {
    if (!(count <= this.fileSize - this.position)) throw this.overrun(what);
    this.position += count;
  }

  overrun(what: string): EngineError {
    return this.invalid(`it is truncated or damaged: ${what} runs past the end of the file`);
  }

  invalid(reason: string): EngineError {
    return invalid(this.path, reason);
  }

  /** Makes `count` bytes at `position` available in the window; returns their index in it and advances. */
  private async take(count: number, what: string): Promise<number> {
    if (!(count <= this.fileSize - this.position)) throw this.overrun(what);
    const windowEnd = this.windowStart + this.window.length;
    if (this.position < this.windowStart || this.position + count > windowEnd) {
      const size = Math.min(Math.max(count, 1 << 16), this.fileSize - this.position);
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await this.handle.read(buffer, 0, size, this.position);
      if (bytesRead < count) throw this.overrun(what);
      this.window = buffer.subarray(0, bytesRead);
      this.windowStart = this.position;
    }
    const at = this.position - this.windowStart;
    this.position += count;
    return at;
  }
}
