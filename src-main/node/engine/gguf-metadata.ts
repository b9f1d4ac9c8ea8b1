import type { FileHandle } from 'node:fs/promises';

/**
 * Reads a GGUF file's metadata and tensor infos (the format: gguf-py in llama.cpp's source, `GGUFReader`), keeping
 * only what the app uses: scalar and short-array values, and of long arrays (a vocabulary of 51,200 tokens, 50,000
 * merges) their length and, for string arrays, the longest entry's UTF-8 bytes.
 *
 * Why not node-llama-cpp's `readGgufFileInfo`: the host process checks model files (choosing one, a finished
 * download) and nothing else of node-llama-cpp runs there. Importing the library for it cost the host 38 MiB, and
 * reading Phi-2's metadata with it 31 MiB more at peak (every token and tensor info as a JS object; measured with
 * VmHWM on the Phi-2-shaped model, Node 20): the host's share of the app's peak memory (issue 14's target). This
 * reader keeps a few hundred values and reads in 1 MiB steps.
 */

/** A metadata value as kept: numbers (64-bit integers as numbers, past 2^53 inexact), strings, booleans, arrays. */
export type GgufValue = number | string | boolean | GgufValue[];

/** A long array, not kept: its length, and for strings the longest one's UTF-8 bytes. */
export interface GgufArraySummary {
  arrayLength: number;
  longestStringBytes: number | null;
}

export interface GgufTensorInfo {
  name: string;
  dimensions: number[];
  ggmlType: number;
  offset: number;
}

export interface GgufMetadata {
  /** Every key, dotted as written (`phi2.attention.head_count`), with its value or, for a long array, a summary. */
  values: Map<string, GgufValue | GgufArraySummary>;
  tensors: GgufTensorInfo[];
  /** Where the metadata and tensor infos end (before the alignment padding). */
  infoEnd: number;
}

/** Arrays longer than this are summarised, not kept. */
const KEEP_ARRAY_ITEMS = 1024;
/** A kept string (a name, a chat template) longer than this is damage, not metadata; long arrays' strings are skipped. */
const MAX_STRING_BYTES = 16 << 20;
/** Bytes read from the file at a time. */
const CHUNK = 1 << 20;

/** A value that cannot be what the file says (a length past the file's end, an unknown type): the file is damaged. */
export class GgufFormatError extends Error {}

const enum ValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

const SCALAR_BYTES: Partial<Record<number, number>> = {
  [ValueType.UINT8]: 1, [ValueType.INT8]: 1, [ValueType.UINT16]: 2, [ValueType.INT16]: 2, [ValueType.UINT32]: 4,
  [ValueType.INT32]: 4, [ValueType.FLOAT32]: 4, [ValueType.BOOL]: 1, [ValueType.UINT64]: 8, [ValueType.INT64]: 8,
  [ValueType.FLOAT64]: 8,
}; // prettier-ignore

/** Sequential reads from an open file, through a buffer refilled in {@link CHUNK} steps. */
class Cursor {
  #buffer = Buffer.alloc(0);
  /** File offset of `#buffer[0]`. */
  #start = 0;
  #at = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly fileSize: number,
    position: number,
  ) {
    this.#start = position;
  }

  get position(): number {
    return this.#start + this.#at;
  }

  /** Make `bytes` bytes available from the current position. */
  async #need(bytes: number): Promise<void> {
    if (this.#at + bytes <= this.#buffer.length) return;
    if (this.position + bytes > this.fileSize) {
      throw new GgufFormatError(`a value at byte ${this.position.toLocaleString('en-US')} runs past the end of the file`);
    }
    const size = Math.max(bytes, Math.min(CHUNK, this.fileSize - this.position));
    const next = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.handle.read(next, 0, size, this.position);
    if (bytesRead < bytes) throw new GgufFormatError('the file ended while it was being read');
    this.#start = this.position;
    this.#buffer = next.subarray(0, bytesRead);
    this.#at = 0;
  }

  async u32(): Promise<number> {
    await this.#need(4);
    const value = this.#buffer.readUInt32LE(this.#at);
    this.#at += 4;
    return value;
  }

  /** A u64 as a number; past 2^53, Infinity (no count or length in a real file comes near). */
  async u64(): Promise<number> {
    await this.#need(8);
    const value = this.#buffer.readBigUInt64LE(this.#at);
    this.#at += 8;
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  }

  /** A length that must fit in what is left of the file. */
  async length(what: string): Promise<number> {
    const value = await this.u64();
    if (value > this.fileSize - this.position) {
      throw new GgufFormatError(`${what} at byte ${this.position.toLocaleString('en-US')} claims more bytes than the file has left`);
    }
    return value;
  }

  async string(): Promise<string> {
    const bytes = await this.length('a string');
    if (bytes > MAX_STRING_BYTES) throw new GgufFormatError(`a string of ${bytes.toLocaleString('en-US')} bytes is far longer than any metadata`);
    await this.#need(bytes);
    const value = this.#buffer.toString('utf8', this.#at, this.#at + bytes);
    this.#at += bytes;
    return value;
  }

  /** Skip a string; its UTF-8 byte length. */
  async skipString(): Promise<number> {
    const bytes = await this.length('a string');
    await this.skip(bytes);
    return bytes;
  }

  /**
   * Skip `count` strings; the longest one's UTF-8 bytes. Those in the buffer are skipped without awaiting each (a
   * vocabulary is 51,200 strings: a promise per value kept the event loop busy for ~50 ms).
   */
  async skipStrings(count: number): Promise<number> {
    let longest = 0;
    for (let item = 0; item < count; ) {
      const buffer = this.#buffer;
      let at = this.#at;
      while (item < count && at + 8 <= buffer.length) {
        const length = buffer.readBigUInt64LE(at);
        if (length > BigInt(buffer.length - at - 8)) break; // runs past the buffer: the careful path below
        const bytes = Number(length);
        longest = Math.max(longest, bytes);
        at += 8 + bytes;
        item++;
      }
      this.#at = at;
      if (item < count) {
        longest = Math.max(longest, await this.skipString());
        item++;
      }
    }
    return longest;
  }

  async skip(bytes: number): Promise<void> {
    if (this.position + bytes > this.fileSize) throw new GgufFormatError('a value runs past the end of the file');
    if (this.#at + bytes <= this.#buffer.length) {
      this.#at += bytes;
      return;
    }
    this.#start = this.position + bytes;
    this.#buffer = Buffer.alloc(0);
    this.#at = 0;
  }

  async scalar(type: number): Promise<number | boolean> {
    const size = SCALAR_BYTES[type];
    if (size === undefined) throw new GgufFormatError(`unknown value type ${type}`);
    await this.#need(size);
    const buffer = this.#buffer;
    const at = this.#at;
    this.#at += size;
    switch (type) {
      case ValueType.UINT8: return buffer.readUInt8(at);
      case ValueType.INT8: return buffer.readInt8(at);
      case ValueType.UINT16: return buffer.readUInt16LE(at);
      case ValueType.INT16: return buffer.readInt16LE(at);
      case ValueType.UINT32: return buffer.readUInt32LE(at);
      case ValueType.INT32: return buffer.readInt32LE(at);
      case ValueType.FLOAT32: return buffer.readFloatLE(at);
      case ValueType.BOOL: return buffer.readUInt8(at) !== 0;
      case ValueType.UINT64: return Number(buffer.readBigUInt64LE(at));
      case ValueType.INT64: return Number(buffer.readBigInt64LE(at));
      default: return buffer.readDoubleLE(at); // FLOAT64
    }
  } // prettier-ignore
}

/**
 * Reads the metadata (`metadataCount` entries) and tensor infos (`tensorCount`) that follow the 24-byte fixed header
 * of a GGUF version 2 or 3 file, whose counts the caller has checked against the file's size.
 * @throws GgufFormatError when the file is truncated or a value cannot be what it says.
 */
export async function readGgufMetadata(
  handle: FileHandle,
  fileSize: number,
  counts: { tensorCount: number; metadataCount: number },
): Promise<GgufMetadata> {
  const cursor = new Cursor(handle, fileSize, 24);
  const values = new Map<string, GgufValue | GgufArraySummary>();
  for (let entry = 0; entry < counts.metadataCount; entry++) {
    const key = await cursor.string();
    const type = await cursor.u32();
    values.set(key, await readValue(cursor, type));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let index = 0; index < counts.tensorCount; index++) {
    const name = await cursor.string();
    const dimensionCount = await cursor.u32();
    if (dimensionCount > 8) throw new GgufFormatError(`tensor ${name} claims ${dimensionCount} dimensions`);
    const dimensions: number[] = [];
    for (let dimension = 0; dimension < dimensionCount; dimension++) dimensions.push(await cursor.u64());
    const ggmlType = await cursor.u32();
    const offset = await cursor.u64();
    tensors.push({ name, dimensions, ggmlType, offset });
  }
  return { values, tensors, infoEnd: cursor.position };
}

async function readValue(cursor: Cursor, type: number): Promise<GgufValue | GgufArraySummary> {
  if (type === ValueType.STRING) return cursor.string();
  if (type !== ValueType.ARRAY) return cursor.scalar(type);
  const itemType = await cursor.u32();
  const count = await cursor.u64();
  if (!Number.isFinite(count)) throw new GgufFormatError('an array claims more than 2^53 items');
  if (count <= KEEP_ARRAY_ITEMS) {
    const items: GgufValue[] = [];
    for (let item = 0; item < count; item++) items.push((await readValue(cursor, itemType)) as GgufValue);
    return items;
  }
  if (itemType === ValueType.STRING) return { arrayLength: count, longestStringBytes: await cursor.skipStrings(count) };
  const size = SCALAR_BYTES[itemType];
  if (size === undefined) throw new GgufFormatError(`an array of ${itemType === ValueType.ARRAY ? 'arrays' : `unknown type ${itemType}`} is too long to read`);
  await cursor.skip(count * size);
  return { arrayLength: count, longestStringBytes: null };
}

/** Whether a kept value is a long array's summary. */
export function isArraySummary(value: unknown): value is GgufArraySummary {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'arrayLength' in value;
}

/** The keys under `prefix.` as nested objects (`attention.head_count` → `{attention: {head_count}}`). */
export function nestedUnder(values: ReadonlyMap<string, unknown>, prefix: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of values) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const parts = key.slice(prefix.length + 1).split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = (node[part] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
    }
    node[parts.at(-1)!] = value;
  }
  return root;
}
