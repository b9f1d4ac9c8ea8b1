import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufFormatError, isArraySummary, nestedUnder, readGgufMetadata } from '../../../../src-main/node/engine/gguf-metadata';
import { getTinyModelPath } from '../../../fixtures/models';

let dir: string;
let tinyModel: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-gguf-'));
  tinyModel = await getTinyModelPath();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path: string): Promise<Awaited<ReturnType<typeof readGgufMetadata>>> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(24);
    await handle.read(header, 0, 24, 0);
    return await readGgufMetadata(handle, size, { tensorCount: Number(header.readBigUInt64LE(8)), metadataCount: Number(header.readBigUInt64LE(16)) });
  } finally {
    await handle.close();
  }
}

/** A GGUF file: header, then the given metadata entries (already encoded), no tensors. */
function gguf(entries: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.write('GGUF', 0, 'latin1');
  header.writeUInt32LE(3, 4);
  header.writeBigUInt64LE(0n, 8);
  header.writeBigUInt64LE(BigInt(entries.length), 16);
  return Buffer.concat([header, ...entries]);
}

function ggufString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

function u64(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value);
  return bytes;
}

describe('the GGUF metadata reader', () => {
  it('reads what node-llama-cpp reads: every scalar, the vocabulary\'s size, the tensor infos', async () => {
    const ours = await read(tinyModel);
    const theirs = await readGgufFileInfo(tinyModel, { sourceType: 'filesystem', readTensorInfo: true, logWarnings: false, spliceSplitFiles: false });
    const metadata = theirs.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(ours.values.get('general.architecture')).toBe('phi2');
    expect(ours.values.get('general.name')).toBe(metadata.general!.name);
    expect(nestedUnder(ours.values, 'phi2')).toEqual(JSON.parse(JSON.stringify(metadata.phi2, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value))));
    const tokens = (metadata.tokenizer!.ggml as { tokens: string[] }).tokens;
    const kept = ours.values.get('tokenizer.ggml.tokens');
    const longest = Math.max(...tokens.map((token) => Buffer.byteLength(token)));
    if (isArraySummary(kept)) expect(kept).toEqual({ arrayLength: tokens.length, longestStringBytes: longest });
    else expect(kept).toEqual(tokens);
    expect(ours.tensors).toEqual(
      (theirs.tensorInfo ?? []).map((tensor) => ({ name: tensor.name, dimensions: tensor.dimensions.map(Number), ggmlType: tensor.ggmlType, offset: Number(tensor.offset) })),
    );
    expect(ours.tensors).toHaveLength(25);
  });

  it('keeps short arrays and summarises long ones without keeping their items', async () => {
    const words = Array.from({ length: 5000 }, (_, index) => `w${index}`);
    words[1234] = 'the-longest-entry-é';
    const path = join(dir, 'arrays.gguf');
    await writeFile(
      path,
      gguf([
        Buffer.concat([ggufString('test.short'), u32(9), u32(4), u64(3n), u32(7), u32(8), u32(9)]),
        Buffer.concat([ggufString('test.words'), u32(9), u32(8), u64(BigInt(words.length)), ...words.map(ggufString)]),
        Buffer.concat([ggufString('test.numbers'), u32(9), u32(6), u64(3000n), Buffer.alloc(3000 * 4)]),
        // 2.4 MB of strings: read across the reader's 1 MiB steps, a string cut by each step's end.
        Buffer.concat([ggufString('test.big'), u32(9), u32(8), u64(2000n), ...Array.from({ length: 2000 }, (_, index) => ggufString((index === 1999 ? 'z' : 'y').repeat(index === 1999 ? 4000 : 1200)))]),
        Buffer.concat([ggufString('test.after'), u32(7), Buffer.from([1])]),
      ]),
    );
    const { values } = await read(path);
    expect(values.get('test.short')).toEqual([7, 8, 9]);
    expect(values.get('test.words')).toEqual({ arrayLength: 5000, longestStringBytes: Buffer.byteLength('the-longest-entry-é') });
    expect(values.get('test.numbers')).toEqual({ arrayLength: 3000, longestStringBytes: null });
    expect(values.get('test.big')).toEqual({ arrayLength: 2000, longestStringBytes: 4000 });
    expect(values.get('test.after')).toBe(true);
  });

  it('refuses, as damage, values that run past the end of the file and types that do not exist', async () => {
    const cases: Record<string, Buffer> = {
      'a string longer than the file': gguf([Buffer.concat([ggufString('general.name'), u32(8), u64(1n << 40n)])]),
      'an array longer than the file': gguf([Buffer.concat([ggufString('test.words'), u32(9), u32(6), u64(1n << 40n)])]),
      'an unknown type': gguf([Buffer.concat([ggufString('test.value'), u32(99), u64(0n)])]),
      'a file cut inside a value': gguf([Buffer.concat([ggufString('test.value'), u32(10), Buffer.alloc(3)])]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const path = join(dir, `${name}.gguf`);
      await writeFile(path, bytes);
      await expect(read(path), name).rejects.toBeInstanceOf(GgufFormatError);
    }
  });
});
