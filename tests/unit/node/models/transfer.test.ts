import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartWriter } from '../../../../src-main/node/models/part-writer';
import { transferRemainingBytes, type TransferOptions } from '../../../../src-main/node/models/transfer';
import { sha256, startModelServer, type ModelServer } from './model-server';

const FILE = 'data.gguf';
const data = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7) % 251));

let server: ModelServer;
let dir: string;
beforeAll(async () => {
  server = await startModelServer();
  server.addFile(FILE, data);
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-transfer-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A writer over a part that already holds the first `bytes` bytes of the file. */
async function partWith(bytes: number): Promise<PartWriter> {
  const path = join(dir, `part-${bytes}`);
  await writeFile(path, data.subarray(0, bytes));
  return PartWriter.open(path, bytes, createHash('sha256').update(data.subarray(0, bytes)));
}

function options(writer: PartWriter, overrides: Partial<TransferOptions> = {}): TransferOptions {
  return {
    fetchFn: fetch,
    url: new URL(`${server.baseUrl}/cdn/${FILE}`),
    policy: { allowLoopbackHttp: true },
    writer,
    totalBytes: data.length,
    signal: new AbortController().signal,
    stallTimeoutMs: 5000,
    onBytes: () => undefined,
    onRestart: () => undefined,
    ...overrides,
  };
}

describe('transferRemainingBytes', () => {
  it('asks for nothing when the part is already complete', async () => {
    server.log.length = 0;
    const writer = await partWith(data.length);
    await transferRemainingBytes(options(writer));
    expect(server.log).toHaveLength(0);
    expect(writer.digest()).toBe(sha256(data));
    await writer.close();
  });

  it('treats 416 on a complete part of unknown size as complete', async () => {
    server.log.length = 0;
    const writer = await partWith(data.length);
    await transferRemainingBytes(options(writer, { totalBytes: null }));
    expect(server.log.map((entry) => entry.status)).toEqual([416]);
    expect(writer.position).toBe(data.length);
    await writer.close();
  });

  it('starts over when the part is longer than the file (416 with a smaller total)', async () => {
    server.log.length = 0;
    const path = join(dir, 'too-long');
    await writeFile(path, Buffer.concat([data, Buffer.alloc(10)]));
    const writer = await PartWriter.open(path, data.length + 10, createHash('sha256'));
    let restarts = 0;
    await transferRemainingBytes(options(writer, { totalBytes: null, onRestart: () => restarts++ }));
    await writer.sync();
    expect(server.log.map((entry) => [entry.range, entry.status])).toEqual([
      [`bytes=${data.length + 10}-`, 416],
      [null, 200],
    ]);
    expect(restarts).toBe(1);
    expect(writer.digest()).toBe(sha256(data));
    await writer.close();
  });

  it('refuses a body longer than the size it was told to expect', async () => {
    const writer = await partWith(0);
    await expect(transferRemainingBytes(options(writer, { totalBytes: data.length - 1 }))).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
    });
    await writer.close();
  });
});
