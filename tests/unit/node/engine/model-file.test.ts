import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectModelFile } from '../../../../src-main/node/engine/model-file';
import { EngineError } from '../../../../src-main/node/engine/port';
import { TINY_SHAPE } from '../../../support/synthetic-model/synthetic-phi2';
import { getTinyModelPath } from '../../../fixtures/models';
import { makeFifo, releaseFifo, within } from '../../../fixtures/special-files';

let dir: string;
let tinyModel: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-model-file-'));
  tinyModel = await getTinyModelPath();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs inspectModelFile and returns the EngineError it throws (failing the test if it does not throw one). */
async function inspectError(path: string): Promise<EngineError> {
  const started = Date.now();
  const error = await inspectModelFile(path).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(Date.now() - started).toBeLessThan(1000); // a clear answer, fast: never a hang
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/** A GGUF header: magic, version, tensor count, metadata count. */
function header(version: number, tensorCount: bigint, metadataCount: bigint): Buffer {
  const bytes = Buffer.alloc(24);
  bytes.write('GGUF', 0, 'latin1');
  bytes.writeUInt32LE(version, 4);
  bytes.writeBigUInt64LE(tensorCount, 8);
  bytes.writeBigUInt64LE(metadataCount, 16);
  return bytes;
}

describe('inspectModelFile', () => {
  it('reads architecture, name and context length from a valid model', async () => {
    const info = await inspectModelFile(tinyModel);
    expect(info).toMatchObject({
      version: 3,
      architecture: 'phi2',
      name: TINY_SHAPE.name,
      contextLength: 2048,
      tensorCount: 25,
      alignment: 32,
      hasChatTemplate: false,
      vocabularySize: TINY_SHAPE.vocabSize,
      longestTokenBytes: '<|endoftext|>'.length, // the tiny vocabulary's longest entry
    });
    expect(info.dataOffset % 32).toBe(0);
    expect(info.dataOffset).toBeLessThan(info.fileSize);
  });

  it('reports a missing file as MODEL_NOT_FOUND', async () => {
    const error = await inspectError(join(dir, 'nope.gguf'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain('nope.gguf');
  });

  it('reports a file that is not GGUF as MODEL_INVALID', async () => {
    const path = join(dir, 'notes.gguf');
    await writeFile(path, 'These are my notes, not a model. '.repeat(10));
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('not a GGUF file');
  });

  it('reports a tiny or empty file as MODEL_INVALID', async () => {
    const path = join(dir, 'empty.gguf');
    await writeFile(path, '');
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('too small');
  });

  it('reports an unsupported GGUF version', async () => {
    const path = join(dir, 'v1.gguf');
    await writeFile(path, Buffer.concat([header(1, 0n, 0n), Buffer.alloc(100)]));
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('version 1');
  });

  it('refuses a header claiming 2^40 tensors at once instead of reading for ever', async () => {
    const path = join(dir, 'huge-count.gguf');
    await writeFile(path, Buffer.concat([header(3, 2n ** 40n, 1n), Buffer.alloc(4096)]));
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain(`${(2 ** 40).toLocaleString('en-US')} tensors`);
    expect(error.message).toContain('damaged');
  });

  it('refuses a header claiming 2^63 metadata entries', async () => {
    const path = join(dir, 'huge-kv.gguf');
    await writeFile(path, Buffer.concat([header(3, 1n, 2n ** 63n), Buffer.alloc(4096)]));
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    // Past 2^53 the count is no longer exact: said as such, never "Infinity metadata entries"; one tensor, not "1 tensors".
    expect(error.message).toContain('claims 1 tensor and more than 9,007,199,254,740,991 metadata entries, more than a 4,120-byte file');
    expect(error.message).not.toMatch(/Infinity|NaN/);
  });

  it('refuses a metadata string claiming to be longer than the file', async () => {
    const key = Buffer.alloc(8 + 20 + 4 + 8);
    key.writeBigUInt64LE(20n, 0);
    key.write('general.architecture', 8, 'latin1');
    key.writeUInt32LE(8, 28); // string
    key.writeBigUInt64LE(2n ** 50n, 32); // its claimed length
    const path = join(dir, 'long-string.gguf');
    await writeFile(path, Buffer.concat([header(3, 0n, 1n), key, Buffer.alloc(64)]));
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
  });

  it('reports a truncated model (an interrupted download) as MODEL_INVALID', async () => {
    const path = join(dir, 'truncated.gguf');
    await copyFile(tinyModel, path);
    const { length } = await readFile(path);
    await truncate(path, Math.floor(length * 0.75)); // header intact, tensor data cut short
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toContain('truncated');
  });

  it('reports a model cut inside its header as MODEL_INVALID', async () => {
    const path = join(dir, 'cut-header.gguf');
    await copyFile(tinyModel, path);
    await truncate(path, 5000); // inside the vocabulary
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toMatch(/truncated|damaged/);
  });

  it('reports a directory as MODEL_INVALID', async () => {
    const path = join(dir, 'folder.gguf');
    await mkdir(path);
    const error = await inspectError(path);
    expect(error.code).toBe('MODEL_INVALID');
    expect(error.message).toBe(`${path} is not a regular file (a folder).`);
  });

  it('refuses a named pipe at once as MODEL_INVALID (a blocking open would wait for a writer for ever)', async () => {
    const path = makeFifo(join(dir, 'pipe.gguf'));
    try {
      const error = await within(2000, 'inspecting a named pipe', inspectError(path));
      expect(error.code).toBe('MODEL_INVALID');
      expect(error.message).toBe(`${path} is not a regular file (a named pipe).`);
    } finally {
      releaseFifo(path);
    }
  });

  it('refuses a character device (/dev/zero) as MODEL_INVALID', async () => {
    const error = await inspectError('/dev/zero');
    expect(error.message).toBe('/dev/zero is not a regular file (a character device).');
  });
});
