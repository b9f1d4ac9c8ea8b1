import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RpcError } from '../../common/contract';

/** Text and bytes are collected into chunks this big before each write, so a big export is many mid-sized writes. */
const CHUNK_BYTES = 256 * 1024;

/**
 * A file written in full or not at all: text and bytes go to a temporary file beside the target (same folder, so the final
 * `rename` is atomic and cannot cross disks), which is flushed to disk and renamed over the target by {@link commit}.
 * {@link discard} (or any failure) removes the temporary file, so a full disk or a cancel leaves nothing behind.
 */
export class AtomicFile {
  readonly target: string;
  readonly #temporary: string;
  readonly #handle: FileHandle;
  /** Pieces not yet written: text is kept as text and encoded once per chunk (far cheaper than per piece). */
  #pending: Array<string | Buffer> = [];
  /** Their size: bytes of buffers, UTF-16 units of text (a close enough measure to decide when to flush). */
  #pendingSize = 0;
  /** The chunk being written now (see {@link #flush}). */
  #writing: Promise<void> = Promise.resolve();
  #bytes = 0;
  #settled = false;

  private constructor(target: string, temporary: string, handle: FileHandle) {
    this.target = target;
    this.#temporary = temporary;
    this.#handle = handle;
  }

  /**
   * Check the target's folder and start the temporary file.
   * @throws RpcError `BAD_REQUEST` (`details.reason`: `NO_FOLDER`, `UNWRITABLE`, `EXISTS`) or `STORE_FAILED`
   * (`DISK_FULL`, `IO`), each with a sentence naming the path.
   */
  static async create(target: string, options: { overwrite: boolean }): Promise<AtomicFile> {
    const folder = dirname(target);
    const existing = await stat(target).catch(() => null);
    if (existing?.isDirectory()) throw badPath(`${target} is a folder; give the name of a file to write.`, 'UNWRITABLE');
    if (existing && !options.overwrite) {
      throw badPath(`A file already exists at ${target}. Choose another name, or replace it.`, 'EXISTS');
    }
    const temporary = join(folder, `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
    try {
      const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      return new AtomicFile(target, temporary, handle);
    } catch (error) {
      throw fileWriteError(error, target);
    }
  }

  /** Bytes written so far (UTF-8). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Append text (as UTF-8) or bytes; they reach the disk in chunks. Awaiting each call keeps memory bounded. */
  async write(data: string | Buffer): Promise<void> {
    this.#pending.push(data);
    this.#pendingSize += data.length;
    if (this.#pendingSize >= CHUNK_BYTES) await this.#flush();
  }

  /** Flush, sync and rename into place; returns the file's size. On failure the temporary file is removed. */
  async commit(): Promise<number> {
    try {
      await this.#flush();
      await this.#writing;
      await this.#handle.sync();
      await this.#handle.close();
      await rename(this.#temporary, this.target);
      this.#settled = true;
      return this.#bytes;
    } catch (error) {
      await this.discard();
      throw fileWriteError(error, this.target);
    }
  }

  /** Close and remove the temporary file; the target is untouched. Safe to call twice. */
  async discard(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    await this.#writing.catch(() => {});
    await this.#handle.close().catch(() => {});
    await unlink(this.#temporary).catch(() => {});
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const parts: Buffer[] = [];
    let text: string[] = [];
    for (const piece of this.#pending) {
      if (typeof piece === 'string') {
        text.push(piece);
        continue;
      }
      if (text.length > 0) parts.push(Buffer.from(text.join(''), 'utf8'));
      text = [];
      parts.push(piece);
    }
    if (text.length > 0) parts.push(Buffer.from(text.join(''), 'utf8'));
    const buffer = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.#pending = [];
    this.#pendingSize = 0;
    // One chunk on its way to the disk while the next is made: the writer waits only when it is a whole chunk ahead,
    // so memory stays at two chunks and the export does not stand idle on each write.
    try {
      await this.#writing;
    } catch (error) {
      await this.discard();
      throw fileWriteError(error, this.target);
    }
    this.#writing = this.#writeAll(buffer);
    this.#writing.catch(() => {}); // awaited by the next flush, commit or discard
  }

  async #writeAll(buffer: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await this.#handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
    this.#bytes += buffer.length;
  }
}

/** A file-system failure while writing `target`, in words, as the contract's typed error. */
export function fileWriteError(error: unknown, target: string): RpcError {
  if (error instanceof RpcError) return error;
  const folder = dirname(target);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOENT':
      return badPath(`The folder ${folder} does not exist. Choose a folder that does.`, 'NO_FOLDER');
    case 'ENOTDIR':
      return badPath(`${folder} is not a folder. Choose a folder to save into.`, 'NO_FOLDER');
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return badPath(`Phi Desk cannot write to ${folder} (${code === 'EROFS' ? 'read-only disk' : 'permission denied'}). Choose another folder.`, 'UNWRITABLE');
    case 'EISDIR':
      return badPath(`${target} is a folder; give the name of a file to write.`, 'UNWRITABLE');
    case 'ENOSPC':
    case 'EDQUOT':
      return new RpcError('STORE_FAILED', `The disk is full: ${target} could not be written, and nothing was left behind. Free some space and try again.`, {
        reason: 'DISK_FULL',
      });
    default:
      return new RpcError('STORE_FAILED', `${target} could not be written, and nothing was left behind (${reason}).`, {
        reason: 'IO',
      });
  }
}

function badPath(message: string, reason: string): RpcError {
  return new RpcError('BAD_REQUEST', message, { reason });
}
