import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Opening a file the user named — a model, an export to import, a backup to restore — so that it can never hang the
 * app or make it read without end.
 *
 * - A named pipe (FIFO) blocks a plain `open(path, 'r')` until some other process opens it for writing: for ever,
 *   and in Node that blocks one of libuv's four pool threads with it. So the file is opened with `O_NONBLOCK`, which
 *   returns at once for a pipe, and the open descriptor is checked with `fstat` (not the path with `stat`, so the
 *   file checked is the file read: no one can swap it in between). Anything but a regular file is refused, naming
 *   what it is. `O_NONBLOCK` changes nothing for reads of a regular file.
 * - Sizes from `stat` are not trusted for reading: `/dev/zero` and files under `/proc` report 0 bytes and never end,
 *   or end far past it. Reads stop once they pass the caller's cap in bytes.
 */

/** What was wrong with a file, for callers that answer each case in their own words. */
export type FileProblem = 'NOT_FOUND' | 'NOT_REGULAR' | 'UNREADABLE' | 'TOO_LARGE';

/** A file that cannot be opened or read as a regular file; `message` is one sentence naming the path. */
export class FileOpenError extends Error {
  constructor(
    readonly problem: FileProblem,
    message: string,
    readonly facts: {
      /** `NOT_REGULAR`: what it is instead, in words (`a named pipe`, `a folder`). */
      kind?: string;
      /** `TOO_LARGE`: the size the file claims, when that is already past the cap. */
      bytes?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = 'FileOpenError';
  }
}

/** An open regular file and its `fstat`. The caller closes `handle`. */
export interface OpenRegularFile {
  handle: FileHandle;
  stats: Stats;
}

/** Read-only and non-blocking (Windows has no `O_NONBLOCK`, and no FIFOs in the file system either). */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for reading, without blocking, and makes sure it is a regular file.
 * @throws FileOpenError `NOT_FOUND`, `NOT_REGULAR` (a pipe, a device, a socket, a folder) or `UNREADABLE`.
 */
export async function openRegularFile(path: string): Promise<OpenRegularFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    const stats = await handle.stat();
    assertRegular(path, stats);
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error instanceof FileOpenError ? error : unreadable(path, error);
  }
}

/**
 * Checks that `path` is a regular file the same way (open non-blocking, `fstat`, close), for files that another
 * library then opens by path (SQLite opening a backup). The file could be replaced between this check and that open:
 * a window of a few milliseconds, open only to someone who can already write to the user's folder.
 * @throws FileOpenError as {@link openRegularFile}.
 */
export function assertRegularFileSync(path: string): Stats {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    const stats = fstatSync(fd);
    assertRegular(path, stats);
    return stats;
  } catch (error) {
    throw error instanceof FileOpenError ? error : unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * The whole of a regular file, at most `maxBytes` of it: reading stops as soon as it passes the cap, whatever size
 * the file claims.
 * @throws FileOpenError as {@link openRegularFile}, or `TOO_LARGE` when the file holds more than `maxBytes`.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const { handle, stats } = await openRegularFile(path);
  try {
    if (stats.size > maxBytes) throw tooLarge(path, maxBytes, stats.size);
    // Sized from the claim (usually right for a regular file), grown if the file turns out longer; one byte over the
    // cap is enough to know it is too large.
    let buffer = Buffer.allocUnsafe(Math.min(Math.max(stats.size, 64 * 1024), maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge(path, maxBytes);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(path, maxBytes);
    return buffer.subarray(0, length);
  } catch (error) {
    throw error instanceof FileOpenError ? error : unreadable(path, error);
  } finally {
    await handle.close();
  }
}

/** What kind of thing `stats` describes, in words: `a named pipe`, `a folder`, … */
export function describeFileType(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

function assertRegular(path: string, stats: Stats): void {
  if (!stats.isFile()) throw notRegular(path, describeFileType(stats));
}

function notRegular(path: string, kind: string, cause?: unknown): FileOpenError {
  return new FileOpenError('NOT_REGULAR', `${path} is not a regular file (${kind}).`, { kind, cause });
}

function openFailure(path: string, error: unknown): FileOpenError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new FileOpenError('NOT_FOUND', `There is no file at ${path}.`, { cause: error });
  }
  // Opening a Unix socket fails with ENXIO; Windows refuses a folder with EISDIR.
  if (code === 'ENXIO') return notRegular(path, 'a socket or device', error);
  if (code === 'EISDIR') return notRegular(path, 'a folder', error);
  return unreadable(path, error);
}

function unreadable(path: string, error: unknown): FileOpenError {
  return new FileOpenError('UNREADABLE', `${path} cannot be read (${(error as Error).message}).`, { cause: error });
}

function tooLarge(path: string, maxBytes: number, bytes?: number): FileOpenError {
  const size = bytes === undefined ? 'larger than' : `${bytes.toLocaleString('en-US')} bytes, more than`;
  return new FileOpenError('TOO_LARGE', `${path} is ${size} ${maxBytes.toLocaleString('en-US')} bytes.`, {
    ...(bytes === undefined ? {} : { bytes }),
  });
}
