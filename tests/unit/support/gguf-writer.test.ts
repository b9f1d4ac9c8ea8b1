import { mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { END_OF_TEXT, buildByteLevelVocab, toByteLevel } from '../../support/synthetic-model/gpt2-vocab';
import {
  encodeGgufHeader,
  float32ToFloat16Bits,
  gguf,
  writeGguf,
  type GgufFile,
} from '../../support/synthetic-model/gguf-writer';
import {
  PHI2_SHAPE,
  TINY_SHAPE,
  describeSyntheticPhi2Model,
  writeSyntheticPhi2Model,
} from '../../support/synthetic-model/synthetic-phi2';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads the file back with node-llama-cpp's GGUF reader: an independent implementation of the format. */
function readBack(path: string) {
  return readGgufFileInfo(path, { sourceType: 'filesystem', logWarnings: false });
}

describe('GGUF writer', () => {
  const f32Data = Float32Array.from([1.5, -2, 0.25, 1e-3, 3, 4, 5, 6]);
  const file: GgufFile = {
    metadata: [
      ['general.architecture', gguf.str('test')],
      ['test.u8', gguf.u8(200)],
      ['test.i8', gguf.i8(-100)],
      ['test.u16', gguf.u16(60000)],
      ['test.i16', gguf.i16(-30000)],
      ['test.u32', gguf.u32(4_000_000_000)],
      ['test.i32', gguf.i32(-2_000_000_000)],
      ['test.f32', gguf.f32(0.5)],
      ['test.f64', gguf.f64(Math.PI)],
      ['test.u64', gguf.u64(2n ** 40n)],
      ['test.i64', gguf.i64(-(2n ** 40n))],
      ['test.bool', gguf.bool(true)],
      ['test.string', gguf.str('héllo 日本 🎉')],
      ['test.strings', gguf.strings(['a', '', 'ĠInstruct', 'ü'])],
      ['test.ints', gguf.numbers('int32', [1, -2, 3])],
      ['test.floats', gguf.numbers('float32', [0.25, -1.5])],
    ],
    tensors: [
      { name: 'a.weight', dims: [8], type: 'F32', data: () => [new Uint8Array(f32Data.buffer)] },
      { name: 'b.weight', dims: [2, 3], type: 'F16', data: () => [new Uint8Array(12).fill(7)] },
      // Produced in uneven chunks: the writer must not care how the bytes are split.
      {
        name: 'c.weight',
        dims: [32, 2],
        type: 'Q4_0',
        data: () => [new Uint8Array(5).fill(1), new Uint8Array(31).fill(2)],
      },
    ],
  };

  it('writes every metadata type, tensor infos and aligned data that another reader parses back', async () => {
    const path = join(dir, 'all-types.gguf');
    const size = await writeGguf(path, file);
    const info = await readBack(path);
    const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;

    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe('test');
    expect(info.metadata.general.alignment).toBe(32);
    expect(meta.test).toEqual({
      u8: 200,
      i8: -100,
      u16: 60000,
      i16: -30000,
      u32: 4_000_000_000,
      i32: -2_000_000_000,
      f32: 0.5,
      f64: Math.PI,
      u64: 2n ** 40n,
      i64: -(2n ** 40n),
      bool: true,
      string: 'héllo 日本 🎉',
      strings: ['a', '', 'ĠInstruct', 'ü'],
      ints: [1, -2, 3],
      floats: [0.25, -1.5],
    });

    const tensors = info.tensorInfo ?? [];
    expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.offset])).toEqual([
      ['a.weight', [8], 0],
      ['b.weight', [2, 3], 32], // 32 bytes of F32, already aligned
      ['c.weight', [32, 2], 64], // 12 bytes of F16 padded to 32
    ]);
    expect(info.infoEndOffset).toBeDefined();
    const dataStart = info.infoEndOffset ?? 0;
    expect(dataStart % 32).toBe(0);
    expect(size).toBe(dataStart + 64 + 64); // Q4_0: 2 blocks × 18 bytes = 36, padded to 64

    const bytes = await readFile(path);
    expect(bytes.length).toBe(size);
    const f32Bytes = bytes.subarray(dataStart, dataStart + 32);
    expect(new Float32Array(f32Bytes.buffer.slice(f32Bytes.byteOffset, f32Bytes.byteOffset + 32))).toEqual(f32Data);
    const q4Bytes = [...bytes.subarray(dataStart + 64, dataStart + 64 + 36)];
    expect(q4Bytes).toEqual([...Array<number>(5).fill(1), ...Array<number>(31).fill(2)]);
  });

  it('refuses a tensor whose generator yields the wrong number of bytes, leaving no file behind', async () => {
    const path = join(dir, 'short.gguf');
    const bad: GgufFile = {
      metadata: [['general.architecture', gguf.str('test')]],
      tensors: [{ name: 'x', dims: [4], type: 'F32', data: () => [new Uint8Array(15)] }],
    };
    await expect(writeGguf(path, bad)).rejects.toThrow('produced 15 bytes, expected 16');
    expect((await readdir(dir)).filter((name) => name.startsWith('short.gguf'))).toEqual([]);
  });

  it('refuses duplicate keys, duplicate tensors and Q4_0 rows that are not whole blocks', () => {
    const base = { metadata: [['general.architecture', gguf.str('t')]] as const, tensors: [] };
    const twice = [...base.metadata, ['general.architecture', gguf.str('u')] as const];
    expect(() => encodeGgufHeader({ ...base, metadata: twice })).toThrow('duplicate GGUF metadata key');
    const tensor = { name: 'x', dims: [32], type: 'F32' as const, data: () => [] };
    expect(() => encodeGgufHeader({ ...base, tensors: [tensor, tensor] })).toThrow('duplicate tensor name');
    expect(() => encodeGgufHeader({ ...base, tensors: [{ ...tensor, dims: [48], type: 'Q4_0' }] })).toThrow(
      'multiple of 32',
    );
  });

  it('rounds floats to IEEE half precision like numpy', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00); // overflow → inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: ties to even
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });
});

describe('synthetic Phi-2 model', () => {
  it('has the keys and tensors llama.cpp loads a phi2 model with', async () => {
    const path = join(dir, 'tiny.gguf');
    await writeSyntheticPhi2Model(path, TINY_SHAPE, { seed: 1 });
    const info = await readBack(path);
    const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;
    const tokenizer = info.metadata.tokenizer?.ggml as unknown as Record<string, unknown>;

    expect(info.metadata.general.architecture).toBe('phi2');
    expect(info.metadata.general.name).toBe(TINY_SHAPE.name);
    expect(meta.phi2).toEqual({
      context_length: 2048,
      embedding_length: 128,
      feed_forward_length: 512,
      block_count: 2,
      attention: { head_count: 4, head_count_kv: 4, layer_norm_epsilon: expect.closeTo(1e-5, 10) as number },
      rope: { dimension_count: 16 },
    });
    expect(tokenizer.model).toBe('gpt2');
    expect(tokenizer.pre).toBe('phi-2');
    expect(tokenizer.tokens).toHaveLength(TINY_SHAPE.vocabSize);
    expect(tokenizer.token_type).toHaveLength(TINY_SHAPE.vocabSize);
    expect((tokenizer.tokens as string[])[2047]).toBe(END_OF_TEXT);
    expect(tokenizer.bos_token_id).toBe(2047);
    expect(tokenizer.eos_token_id).toBe(2047);
    expect(tokenizer.add_bos_token).toBe(false);

    const names = (info.tensorInfo ?? []).map((t) => t.name);
    expect(names).toHaveLength(5 + 2 * 10); // embeddings, output norm + bias, output + bias, 10 per block
    expect(names).toEqual(
      expect.arrayContaining([
        'token_embd.weight',
        'blk.1.attn_qkv.weight',
        'blk.1.attn_qkv.bias',
        'blk.0.ffn_down.weight',
        'output_norm.bias',
        'output.weight',
        'output.bias',
      ]),
    );
    const qkv = info.tensorInfo?.find((t) => t.name === 'blk.0.attn_qkv.weight');
    expect(qkv?.dimensions.map(Number)).toEqual([128, 384]);
  });

  it('is byte-identical for the same seed and different for another seed', async () => {
    const [a, b, c] = [join(dir, 'seed1-a.gguf'), join(dir, 'seed1-b.gguf'), join(dir, 'seed2.gguf')];
    await writeSyntheticPhi2Model(a, TINY_SHAPE, { seed: 1 });
    await writeSyntheticPhi2Model(b, TINY_SHAPE, { seed: 1 });
    await writeSyntheticPhi2Model(c, TINY_SHAPE, { seed: 2 });
    const [bytesA, bytesB, bytesC] = await Promise.all([readFile(a), readFile(b), readFile(c)]);
    expect(bytesA.equals(bytesB)).toBe(true);
    expect(bytesA.length).toBe(bytesC.length); // same shape, same layout
    expect(bytesA.equals(bytesC)).toBe(false);
  });

  it('describes the full-size Phi-2 layout (≈1.6 GB) without generating it', () => {
    const model = describeSyntheticPhi2Model(PHI2_SHAPE, 1);
    const { header, dataBytes } = encodeGgufHeader(model);
    expect(model.tensors).toHaveLength(325); // as in the real phi-2 GGUF
    expect(header.length + dataBytes).toBeGreaterThan(1.5e9);
    expect(header.length + dataBytes).toBeLessThan(1.7e9);
  });

  it('streams the data: the first tensor of the full-size model comes in 1 MB chunks', () => {
    const model = describeSyntheticPhi2Model(PHI2_SHAPE, 1);
    const embedding = model.tensors[0];
    const chunks = embedding?.data()[Symbol.iterator]();
    const first = chunks?.next();
    expect(embedding?.name).toBe('token_embd.weight');
    expect(first?.done).toBe(false);
    expect((first?.value as Uint8Array).length).toBeLessThanOrEqual(1 << 20);
  });
});

describe('byte-level vocabulary', () => {
  it('has the 256 byte tokens first, unique tokens, and a merge for every other normal token', () => {
    const vocab = buildByteLevelVocab(1000, 999);
    expect(vocab.tokens).toHaveLength(1000);
    expect(new Set(vocab.tokens).size).toBe(1000);
    expect(vocab.tokens[0]).toBe('!'); // GPT-2 order: printable bytes first
    expect(vocab.tokens.slice(0, 256)).toContain('Ġ'); // the space byte
    expect(vocab.tokens.slice(0, 256)).toContain('Ċ'); // the newline byte
    expect(vocab.merges).toHaveLength(1000 - 256 - 1);
    for (const merge of vocab.merges) expect(vocab.tokens).toContain(merge.replace(' ', ''));
    expect(vocab.tokens).toContain(toByteLevel(' Instruct'));
  });

  it('puts <|endoftext|> at the requested id as the only control token', () => {
    const vocab = buildByteLevelVocab(600, 300);
    expect(vocab.tokens[300]).toBe(END_OF_TEXT);
    expect(vocab.tokenTypes.filter((type) => type === 3)).toHaveLength(1);
    expect(vocab.tokenTypes[300]).toBe(3);
  });
});

describe('writeGguf file handling', () => {
  it('replaces an existing file atomically', async () => {
    const path = join(dir, 'replace.gguf');
    const handle = await open(path, 'w');
    await handle.write('old');
    await handle.close();
    await writeGguf(path, { metadata: [['general.architecture', gguf.str('t')]], tensors: [] });
    expect((await readFile(path)).subarray(0, 4).toString('latin1')).toBe('GGUF');
  });
});
