import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../../common/byte-format';

/**
 * The browser host's staging folder for history files crossing HTTP: an export made for the browser to download
 * (written here, then streamed once by `GET /history/download/<id>`), and a file the browser uploaded to import
 * (streamed here by `POST /history/upload`, then read by `history.import`). Ids are random and single-use, files are
 * deleted once used or after a while, and the folder is emptied on first use and when closed, so nothing is
 * left behind after a crash for longer than the next start. It lives in the data folder (`transfers/`): the same
 * disk as the history, private to the user, and room for a file of gigabytes (a RAM-backed /tmp may not have it).
 */
export class TransferArea {
  readonly folder: string;
  readonly maxUploadBytes: number;
  readonly #ttlMs: number;
  readonly #downloads = new Map<string, StagedFile>();
  readonly #uploads = new Map<string, StagedFile>();
  #prepared = false;

  constructor(folder: string, options: { maxUploadBytes?: number; ttlMs?: number } = {}) {
    this.folder = path.resolve(folder);
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.#ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  }

  /**
   * Empty the folder of what an earlier run left (a crash) and create it, on first use: only then is the data folder
   * surely this process's (the instance lock is taken when the app is composed, after this area is made).
   */
  #prepare(): void {
    if (this.#prepared) return;
    this.#prepared = true;
    rmSync(this.folder, { recursive: true, force: true });
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
  }

  /** Where to write a download of `fileName` (the writer makes it atomically); {@link publish} then offers it. */
  downloadPath(fileName: string): string {
    this.#prepare();
    const folder = path.join(this.folder, `download-${newId()}`);
    mkdirSync(folder, { mode: 0o700 });
    return path.join(folder, fileName);
  }

  /** Remove what {@link downloadPath} made for an export that failed or was cancelled. */
  async discardDownload(filePath: string): Promise<void> {
    await rm(path.dirname(filePath), { recursive: true, force: true });
  }

  /** Offer the finished file at `filePath` (from {@link downloadPath}) for one download; its id. */
  publish(filePath: string, mediaType: string): string {
    const id = newId();
    this.#downloads.set(id, this.#staged(this.#downloads, id, filePath, path.basename(filePath), mediaType));
    return id;
  }

  /** The download `id`, taken (a second request finds nothing); the caller deletes it with {@link release}. */
  takeDownload(id: string): StagedFile | null {
    return take(this.#downloads, id);
  }

  /**
   * Stream `body` into a new staged file, at most {@link maxUploadBytes}; its id for `history.import`.
   * @throws UploadTooLarge past the cap (the partial file is removed); any stream error (the client went away).
   */
  async receiveUpload(body: Readable, name: string): Promise<{ id: string; bytes: number }> {
    this.#prepare();
    const id = newId();
    const folder = path.join(this.folder, `upload-${id}`);
    mkdirSync(folder, { mode: 0o700 });
    const file = path.join(folder, 'upload');
    let bytes = 0;
    const limit = this.maxUploadBytes;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > limit) throw new UploadTooLarge(limit);
            yield chunk;
          }
        },
        createWriteStream(file, { flags: 'wx', mode: 0o600 }),
      );
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    this.#uploads.set(id, this.#staged(this.#uploads, id, file, name, 'application/octet-stream'));
    return { id, bytes: (await stat(file)).size };
  }

  /** The upload `id`, taken for an import; `null` when unknown or expired. Release it once read. */
  takeUpload(id: string): StagedFile | null {
    return take(this.#uploads, id);
  }

  /** Delete a staged file that was taken. */
  async release(file: StagedFile): Promise<void> {
    clearTimeout(file.timer);
    await rm(path.dirname(file.path), { recursive: true, force: true });
  }

  /** Forget every staged file and empty the folder. */
  close(): void {
    for (const file of [...this.#downloads.values(), ...this.#uploads.values()]) clearTimeout(file.timer);
    this.#downloads.clear();
    this.#uploads.clear();
    if (this.#prepared) rmSync(this.folder, { recursive: true, force: true });
  }

  #staged(map: Map<string, StagedFile>, id: string, filePath: string, name: string, mediaType: string): StagedFile {
    const timer = setTimeout(() => {
      const file = take(map, id);
      if (file) void this.release(file);
    }, this.#ttlMs);
    timer.unref();
    return { path: filePath, name, mediaType, timer };
  }
}

/** A staged file: where it is, the name the user knows it by, and its type. */
export interface StagedFile {
  path: string;
  name: string;
  mediaType: string;
  timer: ReturnType<typeof setTimeout>;
}

/** An upload past the cap. */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than ${formatBytes(limit)}, the most Phi Desk takes in an upload.`);
    this.name = 'UploadTooLarge';
  }
}

/** Uploads are capped well above the 2 GB a history file of years reaches; the import itself streams any size. */
export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

/** Transfer ids: 128 random bits, URL-safe (what `history.import`'s schema accepts). */
function newId(): string {
  return randomBytes(16).toString('base64url');
}

function take(map: Map<string, StagedFile>, id: string): StagedFile | null {
  const file = map.get(id) ?? null;
  map.delete(id);
  return file;
}
