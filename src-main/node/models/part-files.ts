import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelDownloadError } from './download-error';
import type { DownloadRequest } from './download-types';

/**
 * The files of an unfinished download, next to where the model will end up:
 * - `<file>.part`: the bytes received so far, always a prefix of the real file;
 * - `<file>.part.json`: what the part is a prefix of (the request and the size and hash it was checked against),
 *   so a new app instance can resume it after a restart, and can tell a part of an older upstream file apart.
 * The byte count lives in the part's own size, not in the sidecar, so the two can never disagree.
 */

const PART_SUFFIX = '.part';
const META_SUFFIX = '.part.json';
const META_VERSION = 1;

/** The sidecar's content. */
export interface PartMeta {
  version: typeof META_VERSION;
  request: DownloadRequest;
  /** The resolve URL the download started from (informational: the hash identifies the bytes). */
  url: string;
  /** Size and SHA-256 the part was started against. */
  totalBytes: number | null;
  sha256: string;
}

/** Paths of one download's files inside the models folder. */
export interface DownloadPaths {
  final: string;
  part: string;
  meta: string;
}

/**
 * The paths for `file` inside `dir`.
 * @throws ModelDownloadError `INVALID_REQUEST` unless `file` is a plain `.gguf` file name (no folders, no `..`).
 */
export function downloadPaths(dir: string, file: string): DownloadPaths {
  const name = basename(file);
  if (name !== file || file.includes('\\') || !/^[^/\\]+\.gguf$/i.test(file) || file.startsWith('.')) {
    throw new ModelDownloadError(
      'INVALID_REQUEST',
      `Not a model file name: "${file}" (expected a plain name ending in .gguf).`,
      { resumable: false },
    );
  }
  return { final: join(dir, file), part: join(dir, file + PART_SUFFIX), meta: join(dir, file + META_SUFFIX) };
}

/** Size of the part file, 0 when there is none. */
export async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Whether a file exists at `path`. */
export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Writes the sidecar atomically (temp file + rename), so a crash never leaves half a JSON document. */
export async function writePartMeta(path: string, meta: PartMeta): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, JSON.stringify(meta, null, 2));
  await rename(temp, path);
}

/** Reads a sidecar; `null` when it is missing or not one of ours (a damaged sidecar means starting over). */
export async function readPartMeta(path: string): Promise<PartMeta | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<PartMeta>;
    const request = value.request as Partial<DownloadRequest> | undefined;
    const valid =
      value.version === META_VERSION &&
      typeof value.url === 'string' &&
      typeof value.sha256 === 'string' &&
      (value.totalBytes === null || typeof value.totalBytes === 'number') &&
      typeof request?.repo === 'string' &&
      typeof request.revision === 'string' &&
      typeof request.file === 'string' &&
      (request.sizeBytes === null || typeof request.sizeBytes === 'number') &&
      (request.sha256 === null || typeof request.sha256 === 'string');
    return valid ? (value as PartMeta) : null;
  } catch {
    return null;
  }
}

/** File names of every download with a sidecar in `dir` (nothing when the folder does not exist yet). */
export async function listPartFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith(META_SUFFIX)).map((name) => name.slice(0, -META_SUFFIX.length));
}

/** Deletes the part and its sidecar, whichever exist. */
export async function removePartFiles(paths: DownloadPaths): Promise<void> {
  await rm(paths.part, { force: true });
  await rm(paths.meta, { force: true });
  await rm(`${paths.meta}.tmp`, { force: true });
}

/**
 * A SHA-256 fed with the first `length` bytes of the part: on resume the hash state of the earlier session is gone
 * (Node cannot serialise it), and rereading the prefix is both simple and the only way to trust what is on disk.
 */
export async function hashPartPrefix(path: string, length: number, signal: AbortSignal): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  const stream = createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
  }
  return hash;
}

/**
 * Moves the finished part to its final name. `rename` within one folder is atomic, so the model file either does not
 * exist or is complete; syncing the folder afterwards makes the new name itself survive a power cut.
 */
export async function commitPart(paths: DownloadPaths, dir: string): Promise<void> {
  await rename(paths.part, paths.final);
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open or fsync a folder; NTFS journals the rename itself.
  }
  await rm(paths.meta, { force: true });
}
