import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertRegularFileSync,
  FileOpenError,
  openRegularFile,
  readRegularFile,
} from '../../../../src-main/node/files/regular-file';
import { makeFifo, releaseFifo, within } from '../../../fixtures/special-files';

let dir: string;
const fifos: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'phi-regular-file-'));
});
afterEach(() => {
  for (const fifo of fifos.splice(0)) releaseFifo(fifo);
  rmSync(dir, { recursive: true, force: true });
});

function fifo(name = 'pipe.json'): string {
  const file = makeFifo(path.join(dir, name));
  fifos.push(file);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<FileOpenError> {
  const error = await within(2000, 'the call', promise).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FileOpenError);
  return error as FileOpenError;
}

describe('opening a file the user named', () => {
  it('refuses a named pipe at once, without a writer, naming what it is', async () => {
    const pipe = fifo();
    // Each started only when awaited: started together, the second could fail before anything handled it.
    for (const attempt of [() => openRegularFile(pipe), () => readRegularFile(pipe, 1024)]) {
      const error = await failure(attempt());
      expect(error.problem).toBe('NOT_REGULAR');
      expect(error.message).toBe(`${pipe} is not a regular file (a named pipe).`);
    }
    expect(() => assertRegularFileSync(pipe)).toThrow(`${pipe} is not a regular file (a named pipe).`);
  });

  it('refuses /dev/zero, a folder and a missing path, each in its own words', async () => {
    const zero = await failure(readRegularFile('/dev/zero', 1024));
    expect([zero.problem, zero.message]).toEqual(['NOT_REGULAR', '/dev/zero is not a regular file (a character device).']);
    const folder = await failure(readRegularFile(dir, 1024));
    expect([folder.problem, folder.facts.kind]).toEqual(['NOT_REGULAR', 'a folder']);
    const missing = await failure(readRegularFile(path.join(dir, 'nope.json'), 1024));
    expect([missing.problem, missing.message]).toEqual(['NOT_FOUND', `There is no file at ${path.join(dir, 'nope.json')}.`]);
  });

  it('reads a regular file whole, and refuses one past the cap by its size', async () => {
    const file = path.join(dir, 'export.json');
    writeFileSync(file, 'x'.repeat(300_000));
    expect((await readRegularFile(file, 300_000)).toString()).toBe('x'.repeat(300_000));
    const error = await failure(readRegularFile(file, 299_999));
    expect([error.problem, error.facts.bytes]).toEqual(['TOO_LARGE', 300_000]);
  });

  it('caps what it reads in bytes, not by the size the file claims (a /proc file claims 0 bytes)', async () => {
    const claimed = statSync('/proc/self/status');
    expect([claimed.isFile(), claimed.size]).toEqual([true, 0]);
    const text = (await readRegularFile('/proc/self/status', 1024 * 1024)).toString();
    expect(text).toMatch(/^Name:/m);
    const error = await failure(readRegularFile('/proc/self/status', 16));
    expect(error.problem).toBe('TOO_LARGE');
    expect(error.facts.bytes).toBeUndefined(); // its real size is unknown: reading stopped at the cap
    expect(error.message).toBe('/proc/self/status is larger than 16 bytes.');
  });
});
