import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openImportFiles } from '../../../../src-main/node/history/import/import-sources';
import { writeZip } from '../../../fixtures/zip-files';
import { tempDataDir } from '../host/compose-harness';

/**
 * The files an import reads (import-sources.ts), on real files and zips: every byte of a zip entry larger than one
 * read, and the file's descriptor closed once, by the import, and never another file's — even when the import is
 * closed while an entry is still being read (a cancelled import), and the descriptor's number is handed out again.
 */

let files: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  files = tempDataDir();
});
afterEach(() => files.remove());

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('import sources', () => {
  it('reads every byte of zip entries larger than one read, compressed and not, more than once', async () => {
    // Base64 of random bytes compresses a little; the random bytes themselves hardly at all.
    const text = randomBytes(900 * 1024).toString('base64');
    const zip = path.join(files.dir, 'export.zip');
    await writeZip(zip, { 'a.json': text, 'b.json': randomBytes(700 * 1024) });
    const opened = await openImportFiles([{ path: zip }]);
    try {
      expect(opened.sources.map((source) => [source.name, source.size])).toEqual([
        ['a.json', Buffer.byteLength(text)],
        ['b.json', 700 * 1024],
      ]);
      const [a, b] = opened.sources;
      expect((await readAll(await a!.open())).toString('utf8')).toBe(text);
      expect((await readAll(await b!.open())).length).toBe(700 * 1024);
      // A look at the start, then the whole again from the start.
      for await (const chunk of await a!.open()) {
        expect(chunk.subarray(0, 10).toString('utf8')).toBe(text.slice(0, 10));
        break;
      }
      expect((await readAll(await a!.open())).toString('utf8')).toBe(text);
    } finally {
      await opened.close();
    }
  });

  it('closing an import while a zip entry is still being read never closes a file opened after it', async () => {
    const zip = path.join(files.dir, 'export.zip');
    await writeZip(zip, { 'conversations.json': randomBytes(2 * 1024 * 1024).toString('base64') });
    const other = path.join(files.dir, 'other.txt');
    writeFileSync(other, 'still here');
    const opened = await openImportFiles([{ path: zip }]);
    const entry = (await opened.sources[0]!.open()) as Readable;
    const errors: unknown[] = [];
    entry.on('error', (error) => errors.push(error));
    // One chunk, and the entry is left open: the user cancels.
    await new Promise<void>((resolve) => entry.once('data', () => resolve()));
    entry.pause();
    await opened.close();
    // Files opened now can get the number the zip had. They must stay theirs whatever the cancelled entry does.
    const later: FileHandle[] = [];
    for (let i = 0; i < 8; i++) later.push(await open(other, 'r'));
    try {
      entry.destroy();
      await sleep(100);
      for (const handle of later) {
        const buffer = Buffer.alloc(10);
        const { bytesRead } = await handle.read(buffer, 0, 10, 0);
        expect(buffer.subarray(0, bytesRead).toString('utf8')).toBe('still here');
      }
    } finally {
      await Promise.all(later.map((handle) => handle.close()));
    }
    // Nothing beyond the stream's own end is reported as a failure of another file.
    for (const error of errors) expect(String(error)).not.toMatch(/EBADF/);
  });

  it('closing twice, and a file that is not a zip, close cleanly', async () => {
    const plain = path.join(files.dir, 'conversations.json');
    writeFileSync(plain, '[]');
    const opened = await openImportFiles([{ path: plain }]);
    expect((await readAll(await opened.sources[0]!.open())).toString('utf8')).toBe('[]');
    await opened.close();
    await opened.close();
    const reopened = await open(plain, 'r');
    expect((await reopened.readFile()).toString('utf8')).toBe('[]');
    await reopened.close();
  });
});
