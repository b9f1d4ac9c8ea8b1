import { mkdir } from 'node:fs/promises';
import { plural } from '../../common/plural';
import { delay } from '../../common/abort';
import { inspectModelFile } from '../engine/model-file';
import { HUGGING_FACE_HUB, resolveUrl } from './catalog';
import { freeBytesOnDisk, ensureFreeSpace, type FreeBytesFunction } from './disk-space';
import { ModelDownloadError, toDownloadError } from './download-error';
import { resolveDownloadTarget, type DownloadTarget } from './download-target';
import { ACTIVE_STATES, type DownloadRequest, type DownloadStatus } from './download-types';
import { Emitter } from '../../common/emitter';
import {
  commitPart,
  downloadPaths,
  fileExists,
  hashPartPrefix,
  listPartFiles,
  partSize,
  readPartMeta,
  removePartFiles,
  writePartMeta,
  type DownloadPaths,
} from './part-files';
import { PartWriter } from './part-writer';
import type { FetchFunction } from './redirects';
import { SpeedMeter } from './speed-meter';
import { transferRemainingBytes } from './transfer';
import type { UrlPolicy } from './url-policy';

/** Everything the downloader needs from the outside world, so tests can replace each piece. */
export interface ModelDownloaderOptions {
  /** Folder the models are saved in (created on the first download). */
  modelsDir: string;
  /** The network. Default: Node's `fetch`, which verifies TLS certificates. */
  fetch?: FetchFunction;
  /** Where `<repo>/resolve/<revision>/<file>` URLs point. Default: `https://huggingface.co`. */
  hubBaseUrl?: string;
  /** Allow plain HTTP to 127.0.0.1 / [::1]. For tests against a loopback server only; never set in the app. */
  allowLoopbackHttp?: boolean;
  /** Monotonic milliseconds, for speed, ETA and progress throttling. Default: `performance.now`. */
  now?: () => number;
  /** Free bytes on the models folder's disk. Default: `fs.statfs`. */
  getFreeBytes?: FreeBytesFunction;
  /** Final check of a verified file before it gets its real name. Default: `inspectModelFile` (GGUF header). */
  validateModel?: (path: string) => Promise<unknown>;
  /** Downloads running at once; more wait `queued`. Default 1: parallel downloads only split the bandwidth. */
  maxConcurrent?: number;
  /** Automatic retries of a cut or failed transfer before reporting an error. Default 3. */
  retries?: number;
  /** First retry delay; each further retry waits twice as long. Default 2 s. */
  retryDelayMs?: number;
  /** A transfer that receives nothing for this long counts as cut. Default 60 s. */
  stallTimeoutMs?: number;
  /** Minimum time between two progress events of one download. Default 250 ms. */
  progressIntervalMs?: number;
}

/** Why a running download was told to stop: the abort reason of its controller. */
class StopRequest extends Error {
  constructor(readonly kind: 'pause' | 'cancel') {
    super(kind === 'pause' ? 'Download paused' : 'Download cancelled');
    this.name = 'StopRequest';
  }
}

interface Job {
  request: DownloadRequest;
  paths: DownloadPaths;
  status: DownloadStatus;
  controller: AbortController | null;
  running: Promise<void> | null;
  meter: SpeedMeter;
  lastProgressAt: number;
  waiters: Array<(status: DownloadStatus) => void>;
}

/** Failures after which the part file cannot be trusted, so it is deleted. */
const DISCARD_PART_ON: ReadonlySet<string> = new Set(['CHECKSUM_MISMATCH', 'SIZE_MISMATCH', 'INVALID_MODEL']);

/**
 * Downloads model files into the models folder: a HEAD first (size and SHA-256), a disk-space check, then a GET
 * streamed into `<file>.part` while hashing, resumable with HTTP Range after a pause, a cut connection or an app
 * restart (`<file>.part.json` records what the part belongs to); a verified file is fsynced, checked as GGUF and
 * renamed into place atomically.
 *
 * This is the app's only network access, and it happens only inside `start` and `resume`: constructing the
 * downloader, `restore`, `list` and the rest touch nothing but the models folder.
 *
 * Downloads are keyed by file name (`DownloadStatus.id` = `request.file`): one download per target file.
 */
export class ModelDownloader {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private readonly statusListeners = new Emitter<DownloadStatus>();
  private readonly progressListeners = new Emitter<DownloadStatus>();
  private readonly fetchFn: FetchFunction;
  private readonly hubBaseUrl: string;
  private readonly policy: UrlPolicy;
  private readonly now: () => number;
  private readonly getFreeBytes: FreeBytesFunction;
  private readonly validateModel: (path: string) => Promise<unknown>;
  private readonly maxConcurrent: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly stallTimeoutMs: number;
  private readonly progressIntervalMs: number;
  private running = 0;
  private disposed = false;

  constructor(private readonly options: ModelDownloaderOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.hubBaseUrl = options.hubBaseUrl ?? HUGGING_FACE_HUB;
    this.policy = { allowLoopbackHttp: options.allowLoopbackHttp ?? false };
    this.now = options.now ?? (() => performance.now());
    this.getFreeBytes = options.getFreeBytes ?? freeBytesOnDisk;
    this.validateModel = options.validateModel ?? inspectModelFile;
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 1);
    this.retries = Math.max(0, options.retries ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 2000;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
  }

  /** Every state change of every download (queued, downloading, paused, verifying, done, error, cancelled). */
  onStatus(listener: (status: DownloadStatus) => void): () => void {
    return this.statusListeners.on(listener);
  }

  /** Byte progress while downloading, at most every `progressIntervalMs` per download, plus the final byte. */
  onProgress(listener: (status: DownloadStatus) => void): () => void {
    return this.progressListeners.on(listener);
  }

  /** The current status of one download, or `null` if it is unknown (see `restore`). */
  status(id: string): DownloadStatus | null {
    const job = this.jobs.get(id);
    return job ? { ...job.status } : null;
  }

  /** Every download this instance knows about. */
  list(): DownloadStatus[] {
    return [...this.jobs.values()].map((job) => ({ ...job.status }));
  }

  /**
   * Finds downloads left unfinished by an earlier run (their `.part.json` sidecars) and lists them as `paused`, so
   * the UI can offer to resume them. Touches only the disk.
   */
  async restore(): Promise<DownloadStatus[]> {
    for (const file of await listPartFiles(this.options.modelsDir)) await this.restoreOne(file);
    return this.list();
  }

  /**
   * Starts downloading (or continues a paused or failed download of the same file). Resolves at once with the
   * `queued` status; follow it with `onStatus`/`onProgress`, or `wait`. A file already in the models folder is
   * checked (GGUF header, not rehashed: its status has `sha256: null`) and reported `done` without network access.
   * @throws ModelDownloadError `INVALID_REQUEST` for a file name that is not a plain `.gguf` name.
   */
  async start(request: DownloadRequest): Promise<DownloadStatus> {
    this.assertUsable();
    const paths = downloadPaths(this.options.modelsDir, request.file);
    let job = this.jobs.get(request.file);
    if (job && ACTIVE_STATES.has(job.status.state)) return { ...job.status };
    if (job) {
      job.request = { ...request };
    } else {
      job = this.createJob({ ...request }, paths, resolveUrl(request, this.hubBaseUrl));
      this.jobs.set(request.file, job);
    }
    this.enqueue(job);
    return { ...job.status };
  }

  /**
   * Continues a paused or failed download from its part file, including one left by an earlier run of the app.
   * An active download is left alone.
   * @throws ModelDownloadError `INVALID_REQUEST` when there is no such download.
   */
  async resume(id: string): Promise<DownloadStatus> {
    this.assertUsable();
    const job = this.jobs.get(id) ?? (await this.restoreOne(id));
    if (!job) throw unknownDownload(id);
    if (!ACTIVE_STATES.has(job.status.state) && job.status.state !== 'done') this.enqueue(job);
    return { ...job.status };
  }

  /**
   * Stops a download, keeping its part file (fsynced) for `resume`. Resolves once it has stopped. A download
   * that is `verifying` finishes instead: it is seconds from done and holds no connection.
   */
  async pause(id: string): Promise<DownloadStatus> {
    const job = this.jobs.get(id);
    if (!job) throw unknownDownload(id);
    if (job.status.state === 'queued') {
      this.dequeue(job);
      this.update(job, { state: 'paused' });
    } else if (job.status.state === 'downloading' && job.controller) {
      job.controller.abort(new StopRequest('pause'));
      await job.running;
    }
    return { ...job.status };
  }

  /**
   * Stops a download and deletes its part file and sidecar. A finished model is never deleted by this.
   * @throws ModelDownloadError `INVALID_REQUEST` when there is no such download.
   */
  async cancel(id: string): Promise<DownloadStatus> {
    const job = this.jobs.get(id) ?? (await this.restoreOne(id));
    if (!job) throw unknownDownload(id);
    if (job.status.state === 'done' || job.status.state === 'cancelled') return { ...job.status };
    if (job.controller && job.running) {
      job.controller.abort(new StopRequest('cancel'));
      await job.running;
      const settled = stateOf(job); // changed while we waited
      if (settled === 'cancelled' || settled === 'done') return { ...job.status };
    }
    this.dequeue(job);
    await removePartFiles(job.paths);
    this.update(job, cancelledPatch());
    return { ...job.status };
  }

  /** Resolves with the status once the download is no longer queued, downloading or verifying. */
  wait(id: string): Promise<DownloadStatus> {
    const job = this.jobs.get(id);
    if (!job) return Promise.reject(unknownDownload(id));
    if (!ACTIVE_STATES.has(job.status.state)) return Promise.resolve({ ...job.status });
    return new Promise((resolve) => job.waiters.push(resolve));
  }

  /** Pauses everything (part files are kept for the next run) and drops all listeners. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const job of [...this.queue]) {
      this.dequeue(job);
      this.update(job, { state: 'paused' });
    }
    const stopping = [...this.jobs.values()].map((job) => {
      job.controller?.abort(new StopRequest('pause'));
      return job.running;
    });
    await Promise.all(stopping);
    this.statusListeners.clear();
    this.progressListeners.clear();
  }

  private createJob(request: DownloadRequest, paths: DownloadPaths, url: string): Job {
    return {
      request,
      paths,
      status: {
        id: request.file,
        url,
        state: 'queued',
        bytesDone: 0,
        totalBytes: request.sizeBytes,
        bytesPerSecond: null,
        etaSeconds: null,
        sha256: request.sha256,
        path: null,
        error: null,
      },
      controller: null,
      running: null,
      meter: new SpeedMeter(this.now),
      lastProgressAt: Number.NEGATIVE_INFINITY,
      waiters: [],
    };
  }

  /** Registers the unfinished download of `file` found on disk as `paused`; `undefined` if there is none. */
  private async restoreOne(file: string): Promise<Job | undefined> {
    const known = this.jobs.get(file);
    if (known) return known;
    let paths: DownloadPaths;
    try {
      paths = downloadPaths(this.options.modelsDir, file);
    } catch {
      return undefined; // not a name we would have written: not ours
    }
    const meta = await readPartMeta(paths.meta);
    if (!meta || meta.request.file !== file || this.jobs.has(file)) return this.jobs.get(file);
    const job = this.createJob(meta.request, paths, meta.url);
    Object.assign(job.status, {
      state: 'paused',
      bytesDone: await partSize(paths.part),
      totalBytes: meta.totalBytes,
      sha256: meta.sha256,
    });
    this.jobs.set(file, job);
    this.statusListeners.emit({ ...job.status });
    return job;
  }

  private enqueue(job: Job): void {
    this.update(job, { state: 'queued', error: null, path: null, bytesPerSecond: null, etaSeconds: null });
    this.queue.push(job);
    this.pump();
  }

  private dequeue(job: Job): void {
    const index = this.queue.indexOf(job);
    if (index >= 0) this.queue.splice(index, 1);
  }

  private pump(): void {
    while (this.running < this.maxConcurrent) {
      const job = this.queue.shift();
      if (!job) return;
      this.running++;
      const running: Promise<void> = this.run(job).finally(() => {
        this.running--;
        if (job.running === running) job.running = null; // a resume may already have started the next run
        this.pump();
      });
      job.running = running;
    }
  }

  /** One download from start (or resume) to a settled state. Never rejects: failures become the `error` state. */
  private async run(job: Job): Promise<void> {
    const controller = new AbortController();
    job.controller = controller;
    const { signal } = controller;
    const { paths, request } = job;
    let writer: PartWriter | null = null;
    try {
      this.update(job, { state: 'downloading' });
      if (await fileExists(paths.final)) {
        await this.checkModel(paths.final, paths);
        const bytesDone = await partSize(paths.final);
        // Checked as GGUF but not rehashed (that would read gigabytes on every start): no verified hash to report.
        this.update(job, { state: 'done', path: paths.final, bytesDone, totalBytes: bytesDone, sha256: null });
        return;
      }
      const target = await resolveDownloadTarget(request, {
        fetchFn: this.fetchFn,
        hubBaseUrl: this.hubBaseUrl,
        policy: this.policy,
        signal,
      });
      const done = await this.usablePartBytes(paths, target);
      this.update(job, { totalBytes: target.totalBytes, sha256: target.sha256, bytesDone: done });
      await ensureFreeSpace(this.getFreeBytes, this.options.modelsDir, (target.totalBytes ?? 0) - done, request.file);

      await mkdir(this.options.modelsDir, { recursive: true });
      await writePartMeta(paths.meta, {
        version: 1,
        request,
        url: target.url.href,
        totalBytes: target.totalBytes,
        sha256: target.sha256,
      });
      const hash = await hashPartPrefix(paths.part, done, signal);
      writer = await PartWriter.open(paths.part, done, hash);
      await this.transferWithRetries(job, writer, target, signal);
      await writer.sync();

      this.update(job, { state: 'verifying', bytesDone: writer.position, bytesPerSecond: null, etaSeconds: 0 });
      const size = writer.position;
      const digest = writer.digest();
      await writer.close();
      writer = null;
      if (target.totalBytes !== null && size !== target.totalBytes) {
        throw new ModelDownloadError('SIZE_MISMATCH', `${request.file} is ${plural(size, 'byte')}, not ${target.totalBytes.toLocaleString('en-US')}.`, {
          resumable: false,
        });
      }
      if (digest !== target.sha256) {
        throw new ModelDownloadError(
          'CHECKSUM_MISMATCH',
          `The downloaded ${request.file} is damaged: its SHA-256 is ${digest}, expected ${target.sha256}. ` +
            'The partial file was deleted; download it again.',
          { resumable: false },
        );
      }
      await this.checkModel(paths.part, paths);
      await commitPart(paths, this.options.modelsDir);
      this.update(job, { state: 'done', path: paths.final, error: null });
    } catch (error) {
      await closeQuietly(writer);
      await this.settleFailure(job, error, signal);
    } finally {
      job.controller = null;
    }
  }

  /**
   * How much of an existing part can be kept: none if its sidecar is missing or describes another file (a new
   * upstream version), or if it is longer than the file.
   */
  private async usablePartBytes(paths: DownloadPaths, target: DownloadTarget): Promise<number> {
    const bytes = await partSize(paths.part);
    if (bytes === 0) return 0;
    const meta = await readPartMeta(paths.meta);
    const sameFile = meta !== null && meta.sha256 === target.sha256 && meta.totalBytes === target.totalBytes;
    if (sameFile && (target.totalBytes === null || bytes <= target.totalBytes)) return bytes;
    await removePartFiles(paths);
    return 0;
  }

  private async transferWithRetries(
    job: Job,
    writer: PartWriter,
    target: DownloadTarget,
    signal: AbortSignal,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      job.meter.reset();
      try {
        await transferRemainingBytes({
          fetchFn: this.fetchFn,
          url: target.url,
          policy: this.policy,
          writer,
          totalBytes: target.totalBytes,
          signal,
          stallTimeoutMs: this.stallTimeoutMs,
          onBytes: (bytes) => this.recordBytes(job, writer, bytes),
          onRestart: () => this.update(job, { bytesDone: 0 }),
        });
        return;
      } catch (error) {
        const retryable =
          error instanceof ModelDownloadError &&
          error.resumable &&
          (error.code === 'NETWORK' || error.code === 'HTTP_ERROR');
        if (signal.aborted || !retryable || attempt >= this.retries) throw error;
        await writer.flush(); // every byte received so far counts towards the next attempt
        await delay(this.retryDelayMs * 2 ** attempt, signal);
        if (signal.aborted) throw signal.reason;
      }
    }
  }

  private recordBytes(job: Job, writer: PartWriter, bytes: number): void {
    job.meter.add(bytes);
    const status = job.status;
    status.bytesDone = writer.position;
    const now = this.now();
    const finished = status.totalBytes !== null && status.bytesDone >= status.totalBytes;
    if (!finished && now - job.lastProgressAt < this.progressIntervalMs) return;
    job.lastProgressAt = now;
    status.bytesPerSecond = job.meter.bytesPerSecond;
    status.etaSeconds = status.totalBytes === null ? null : job.meter.etaSeconds(status.totalBytes - status.bytesDone);
    this.progressListeners.emit({ ...status });
  }

  /**
   * The GGUF check. A downloaded part that fails it is deleted: its checksum matched, so those bytes are exactly
   * what the server publishes and downloading again would not help. A file already in the folder is the user's:
   * it is reported, never deleted.
   */
  private async checkModel(path: string, paths: DownloadPaths): Promise<void> {
    try {
      await this.validateModel(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const downloaded = path === paths.part;
      if (downloaded) await removePartFiles(paths);
      const message = downloaded
        ? `The downloaded file is not a usable model: ${reason}`
        : `A file named ${path} already exists but is not a usable model: ${reason} Move it away to download again.`;
      throw new ModelDownloadError('INVALID_MODEL', message, { cause: error, resumable: false });
    }
  }

  private async settleFailure(job: Job, error: unknown, signal: AbortSignal): Promise<void> {
    const stop = signal.aborted && signal.reason instanceof StopRequest ? signal.reason : null;
    if (stop?.kind === 'cancel') {
      await removePartFiles(job.paths).catch(() => undefined);
      this.update(job, cancelledPatch());
      return;
    }
    if (stop?.kind === 'pause') {
      const bytesDone = await partSize(job.paths.part).catch(() => job.status.bytesDone);
      this.update(job, { state: 'paused', bytesDone, bytesPerSecond: null, etaSeconds: null });
      return;
    }
    const failure = toDownloadError(error, 'FILESYSTEM', `Downloading ${job.request.file} failed`);
    if (DISCARD_PART_ON.has(failure.code)) await removePartFiles(job.paths).catch(() => undefined);
    const bytesDone = await partSize(job.paths.part).catch(() => 0);
    this.update(job, { state: 'error', error: failure.toInfo(), bytesDone, bytesPerSecond: null, etaSeconds: null });
  }

  /** Applies a status change, tells subscribers, and releases `wait`ers once the download settles. */
  private update(job: Job, patch: Partial<DownloadStatus>): void {
    Object.assign(job.status, patch);
    const snapshot = { ...job.status };
    this.statusListeners.emit(snapshot);
    if (!ACTIVE_STATES.has(snapshot.state)) {
      const waiters = job.waiters.splice(0);
      for (const resolve of waiters) resolve({ ...snapshot });
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new ModelDownloadError('INVALID_REQUEST', 'The model downloader has been shut down.');
  }
}

/** Reads the state afresh (TypeScript would keep a narrowing from before an `await`). */
function stateOf(job: Job): DownloadStatus['state'] {
  return job.status.state;
}

function cancelledPatch(): Partial<DownloadStatus> {
  return { state: 'cancelled', bytesDone: 0, bytesPerSecond: null, etaSeconds: null, error: null, path: null };
}

function unknownDownload(id: string): ModelDownloadError {
  return new ModelDownloadError('INVALID_REQUEST', `There is no download of ${id}.`, { resumable: false });
}

/** Flushes what was received (it is a valid prefix) and closes; errors here must not hide the original failure. */
async function closeQuietly(writer: PartWriter | null): Promise<void> {
  if (!writer) return;
  try {
    await writer.sync();
  } catch {
    // the disk may be the reason we are here
  }
  try {
    await writer.close();
  } catch {
    // already closed
  }
}
