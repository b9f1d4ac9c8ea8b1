import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

/** Received bytes are gathered up to this size before a write, so a 2 GB download is ~2,000 writes, not 100,000. */
const WRITE_BATCH_BYTES = 1 << 20;

/**
 * Appends received bytes to a part file and feeds them, in the same order, to the running SHA-256, so the hash
 * always covers exactly the bytes `position` counts. Bytes are batched in memory; `flush` (called on pause, error
 * and completion) writes them out, so a cut connection loses nothing already received.
 */
export class PartWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written: number;

  private constructor(
    private readonly handle: FileHandle,
    private hashState: Hash,
    start: number,
  ) {
    this.written = start;
  }

  /**
   * Opens (or creates) the part file to continue after its first `start` bytes, which `hash` has already seen.
   * Anything past `start` is cut off, so the file and the hash agree.
   */
  static async open(path: string, start: number, hash: Hash): Promise<PartWriter> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      handle = await open(path, 'w');
    }
    try {
      await handle.truncate(start);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new PartWriter(handle, hash, start);
  }

  /** Bytes accepted so far (on disk or waiting to be written). */
  get position(): number {
    return this.written + this.pendingBytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    // A copy: the hash sees the bytes now and the disk later, so they must be bytes nobody else can reuse.
    const bytes = Buffer.from(chunk);
    this.hashState.update(bytes);
    this.pending.push(bytes);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BATCH_BYTES) await this.flush();
  }

  /** Drops everything and starts the file and the hash from zero (the server ignored our Range request). */
  async restart(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    await this.handle.truncate(0);
    this.written = 0;
    this.hashState = createHash('sha256');
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset, this.written);
      offset += bytesWritten;
      this.written += bytesWritten;
    }
  }

  /** Flushes and fsyncs: what `position` counts is on disk even if the machine loses power next. */
  async sync(): Promise<void> {
    await this.flush();
    await this.handle.sync();
  }

  /** Hex SHA-256 of every byte written. Call once, at the end. */
  digest(): string {
    return this.hashState.digest('hex');
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
