import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/**
 * A small GGUF v3 writer (the file format of llama.cpp, see ggml/src/gguf.cpp and gguf-py/gguf in its source).
 *
 * Layout, all little-endian:
 *   magic "GGUF" · u32 version · u64 tensor count · u64 metadata count
 *   metadata: { string key · u32 value type · value }*          (string = u64 byte length + UTF-8 bytes)
 *   tensor infos: { string name · u32 n_dims · i64 dims[n_dims] · u32 ggml type · u64 offset }*
 *   padding to `general.alignment` · tensor data, each tensor padded to the alignment
 *
 * Tensor data is pulled from each tensor's generator while the file is written, so a multi-gigabyte file never has
 * to fit in memory.
 */

/** GGUF metadata value types, as numbered in the file. */
const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufNumberType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
export type GgufBigIntType = 'uint64' | 'int64';

/** One metadata value. Arrays hold one item type; nested arrays are not needed and not supported. */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufNumberType; values: ArrayLike<number> }
  | { type: 'array'; itemType: GgufBigIntType; values: readonly bigint[] }
  | { type: 'array'; itemType: 'bool'; values: readonly boolean[] }
  | { type: 'array'; itemType: 'string'; values: readonly string[] };

/** Shorthands for building metadata values: `gguf.u32(2048)`, `gguf.strings(tokens)`. */
export const gguf = {
  u8: (value: number): GgufValue => ({ type: 'uint8', value }),
  i8: (value: number): GgufValue => ({ type: 'int8', value }),
  u16: (value: number): GgufValue => ({ type: 'uint16', value }),
  i16: (value: number): GgufValue => ({ type: 'int16', value }),
  u32: (value: number): GgufValue => ({ type: 'uint32', value }),
  i32: (value: number): GgufValue => ({ type: 'int32', value }),
  f32: (value: number): GgufValue => ({ type: 'float32', value }),
  f64: (value: number): GgufValue => ({ type: 'float64', value }),
  u64: (value: bigint): GgufValue => ({ type: 'uint64', value }),
  i64: (value: bigint): GgufValue => ({ type: 'int64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  str: (value: string): GgufValue => ({ type: 'string', value }),
  strings: (values: readonly string[]): GgufValue => ({ type: 'array', itemType: 'string', values }),
  numbers: (itemType: GgufNumberType, values: ArrayLike<number>): GgufValue => ({ type: 'array', itemType, values }),
};

/** The ggml tensor types this writer can lay out. */
export type GgmlTensorType = 'F32' | 'F16' | 'Q4_0';

/** How a ggml type lays out its data. */
export interface GgmlTypeLayout {
  /** The type's id in the file. */
  id: number;
  /** Elements per block. */
  blockSize: number;
  /** Bytes per block. */
  blockBytes: number;
}

/** ggml type ids, elements per block and bytes per block (gguf-py `GGML_QUANT_SIZES`). */
const GGML_TENSOR_TYPES: Readonly<Record<GgmlTensorType, GgmlTypeLayout>> = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  F16: { id: 1, blockSize: 1, blockBytes: 2 },
  // Q4_0: one f16 scale, then 16 bytes of 4-bit weights (low nibbles = elements 0..15, high nibbles = 16..31).
  Q4_0: { id: 2, blockSize: 32, blockBytes: 18 },
};

export interface GgufTensor {
  /** Tensor name as llama.cpp looks it up, e.g. `blk.0.attn_qkv.weight`. */
  name: string;
  /** ggml dimension order: `dims[0]` is the contiguous row length (the reverse of numpy's shape). */
  dims: readonly number[];
  type: GgmlTensorType;
  /**
   * Yields the tensor's bytes in order, in chunks of any size. Called once, while the file is written; a chunk may be
   * reused by the generator after it yields the next one (the writer copies it).
   */
  data: () => Iterable<Uint8Array>;
}

export interface GgufFile {
  /** Metadata in file order. `general.alignment` is added when missing. */
  metadata: ReadonlyArray<readonly [key: string, value: GgufValue]>;
  tensors: readonly GgufTensor[];
  /** Alignment of the data section and of each tensor; a power of two. Default 32, llama.cpp's default. */
  alignment?: number;
}

const GGUF_VERSION = 3;
const GGUF_DEFAULT_ALIGNMENT = 32;
const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32

/** Bytes of a tensor's data (before alignment padding). Throws if the row length is not a whole number of blocks. */
export function tensorByteSize(type: GgmlTensorType, dims: readonly number[]): number {
  const { blockSize, blockBytes } = GGML_TENSOR_TYPES[type];
  const rowLength = dims[0] ?? 1;
  if (rowLength % blockSize !== 0) {
    throw new Error(`a ${type} tensor needs a row length that is a multiple of ${blockSize}, got ${rowLength}`);
  }
  const elements = dims.reduce((product, dim) => product * dim, 1);
  return (elements / blockSize) * blockBytes;
}

/**
 * Encodes everything before the tensor data: header, metadata, tensor infos and the padding up to the data section.
 * Also returns each tensor's data size, so the caller can stream the data after it.
 */
export function encodeGgufHeader(file: GgufFile): { header: Uint8Array; tensorSizes: number[]; dataBytes: number } {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new Error(`GGUF alignment must be a power of two, got ${alignment}`);
  }
  const metadata = withAlignment(file.metadata, alignment);

  const out = new ByteWriter(1 << 16);
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(BigInt(file.tensors.length));
  out.u64(BigInt(metadata.length));

  const seenKeys = new Set<string>();
  for (const [key, value] of metadata) {
    if (key.length === 0) throw new Error('a GGUF metadata key cannot be empty');
    if (seenKeys.has(key)) throw new Error(`duplicate GGUF metadata key '${key}'`);
    seenKeys.add(key);
    out.string(key);
    writeValue(out, value);
  }

  const tensorSizes: number[] = [];
  const seenNames = new Set<string>();
  let offset = 0;
  for (const tensor of file.tensors) {
    // ggml keeps names in a fixed 64-byte buffer including the terminating NUL.
    if (Buffer.byteLength(tensor.name) >= 64) throw new Error(`tensor name too long: ${tensor.name}`);
    if (seenNames.has(tensor.name)) throw new Error(`duplicate tensor name '${tensor.name}'`);
    if (tensor.dims.length < 1 || tensor.dims.length > 4) throw new Error(`tensor ${tensor.name} needs 1 to 4 dims`);
    seenNames.add(tensor.name);
    const size = tensorByteSize(tensor.type, tensor.dims);
    tensorSizes.push(size);
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(BigInt(dim)); // i64 in the format; dims are never negative
    out.u32(GGML_TENSOR_TYPES[tensor.type].id);
    out.u64(BigInt(offset));
    offset += padTo(size, alignment);
  }
  out.zeros(padTo(out.length, alignment) - out.length);
  return { header: out.toBytes(), tensorSizes, dataBytes: offset };
}

export interface WriteGgufOptions {
  /** Called after each flushed chunk with bytes written so far and the final file size. */
  onProgress?: (writtenBytes: number, totalBytes: number) => void;
}

/**
 * Writes a GGUF file. The data goes to a temporary file next to `path` that is renamed into place at the end, so a
 * reader never sees a half-written model (and parallel writers of the same file cannot corrupt it).
 * @returns the size of the file in bytes.
 */
export async function writeGguf(path: string, file: GgufFile, options: WriteGgufOptions = {}): Promise<number> {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const { header, tensorSizes, dataBytes } = encodeGgufHeader(file);
  const totalBytes = header.length + dataBytes;
  const tempPath = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const handle = await open(tempPath, 'w');
  let renamed = false;
  try {
    const sink = new BufferedSink(
      async (bytes) => {
        // A write may be short; keep going until the whole chunk is on disk.
        for (let done = 0; done < bytes.length; ) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
          done += bytesWritten;
        }
      },
      (written) => options.onProgress?.(written, totalBytes),
    );
    await sink.write(header);
    for (const [index, tensor] of file.tensors.entries()) {
      const expected = tensorSizes[index] ?? 0;
      let produced = 0;
      for (const chunk of tensor.data()) {
        produced += chunk.length;
        if (produced > expected) break;
        await sink.write(chunk);
      }
      if (produced !== expected) {
        throw new Error(`tensor ${tensor.name} produced ${produced} bytes, expected ${expected}`);
      }
      await sink.write(new Uint8Array(padTo(expected, alignment) - expected));
    }
    await sink.flush();
    await handle.close();
    await rename(tempPath, path);
    renamed = true;
    return totalBytes;
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await rm(tempPath, { force: true });
    }
  }
}

/** IEEE 754 binary16 bits of a number, rounded to nearest even (for f16 tensors and Q4_0 scales). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // inf / NaN
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign; // underflow → ±0
    mantissa |= 0x800000; // subnormal: restore the implicit bit, then shift into place
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1; // may carry into the exponent: fine
  return sign | half;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function withAlignment(
  metadata: GgufFile['metadata'],
  alignment: number,
): ReadonlyArray<readonly [string, GgufValue]> {
  const existing = metadata.find(([key]) => key === 'general.alignment');
  if (!existing) return [...metadata, ['general.alignment', gguf.u32(alignment)]];
  const [, value] = existing;
  if (value.type !== 'uint32' || value.value !== alignment) {
    throw new Error(`general.alignment must be the uint32 ${alignment} the data is laid out with`);
  }
  return metadata;
}

function padTo(size: number, alignment: number): number {
  return Math.ceil(size / alignment) * alignment;
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  out.u32(GGUF_VALUE_TYPE[value.type]);
  switch (value.type) {
    case 'array': {
      out.u32(GGUF_VALUE_TYPE[value.itemType]);
      out.u64(BigInt(value.values.length));
      for (let i = 0; i < value.values.length; i++) writeScalar(out, value.itemType, value.values[i]);
      return;
    }
    default:
      writeScalar(out, value.type, value.value);
  }
}

function writeScalar(out: ByteWriter, type: Exclude<GgufValue['type'], 'array'>, value: unknown): void {
  switch (type) {
    case 'uint8':
      return out.u8(value as number);
    case 'int8':
      return out.i8(value as number);
    case 'uint16':
      return out.u16(value as number);
    case 'int16':
      return out.i16(value as number);
    case 'uint32':
      return out.u32(value as number);
    case 'int32':
      return out.i32(value as number);
    case 'float32':
      return out.f32(value as number);
    case 'float64':
      return out.f64(value as number);
    case 'uint64':
      return out.u64(value as bigint);
    case 'int64':
      return out.i64(value as bigint);
    case 'bool':
      return out.u8(value ? 1 : 0);
    case 'string':
      return out.string(value as string);
  }
}

/** A growable little-endian byte buffer for the header. */
class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity: number) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(v: number): void {
    this.reserve(1).setUint8(this.length - 1, v);
  }
  i8(v: number): void {
    this.reserve(1).setInt8(this.length - 1, v);
  }
  u16(v: number): void {
    this.reserve(2).setUint16(this.length - 2, v, true);
  }
  i16(v: number): void {
    this.reserve(2).setInt16(this.length - 2, v, true);
  }
  u32(v: number): void {
    this.reserve(4).setUint32(this.length - 4, v, true);
  }
  i32(v: number): void {
    this.reserve(4).setInt32(this.length - 4, v, true);
  }
  f32(v: number): void {
    this.reserve(4).setFloat32(this.length - 4, v, true);
  }
  f64(v: number): void {
    this.reserve(8).setFloat64(this.length - 8, v, true);
  }
  u64(v: bigint): void {
    this.reserve(8).setBigUint64(this.length - 8, v, true);
  }
  i64(v: bigint): void {
    this.reserve(8).setBigInt64(this.length - 8, v, true);
  }
  string(v: string): void {
    const encoded = Buffer.from(v, 'utf8');
    this.u64(BigInt(encoded.length));
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.length - encoded.length);
  }
  zeros(count: number): void {
    this.reserve(count); // new capacity is zero-filled
  }
  toBytes(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Grows the buffer for `count` more bytes, advances `length`, and returns the view to write them through. */
  private reserve(count: number): DataView {
    const needed = this.length + count;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = needed;
    return this.view;
  }
}

/** Coalesces small chunks into large writes; the file is written strictly in order. */
class BufferedSink {
  private readonly buffer = new Uint8Array(4 << 20);
  private used = 0;
  private written = 0;

  constructor(
    private readonly writeBytes: (bytes: Uint8Array) => Promise<void>,
    private readonly onFlushed: (writtenBytes: number) => void,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.buffer.length - this.used);
      this.buffer.set(chunk.subarray(offset, offset + take), this.used);
      this.used += take;
      offset += take;
      if (this.used === this.buffer.length) await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.writeBytes(this.buffer.subarray(0, this.used));
    this.written += this.used;
    this.used = 0;
    this.onFlushed(this.written);
  }
}
