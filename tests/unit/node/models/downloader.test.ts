import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inspectModelFile } from '../../../../src-main/node/engine/model-file';
import {
  ModelDownloader,
  type DownloadRequest,
  type DownloadStatus,
  type ModelDownloaderOptions,
} from '../../../../src-main/node/models';
import { writePartMeta } from '../../../../src-main/node/models/part-files';
import { getTinyModelPath } from '../../../fixtures/models';
import { REPO, noFaults, sha256, startModelServer, type ModelServer } from './model-server';

const FILE = 'phi-2.Q4_K_M.gguf';

let server: ModelServer;
let model: Buffer;
let modelSha: string;
let dir: string;
const downloaders: ModelDownloader[] = [];

beforeAll(async () => {
  model = await readFile(await getTinyModelPath());
  modelSha = sha256(model);
  server = await startModelServer();
  server.addFile(FILE, model);
  server.addFile('not-a-model.gguf', Buffer.from('Just some text, not GGUF at all. '.repeat(100)));
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-download-'));
  Object.assign(server.faults, noFaults());
  server.log.length = 0;
});
afterEach(async () => {
  await Promise.all(downloaders.splice(0).map((downloader) => downloader.dispose()));
  await rm(dir, { recursive: true, force: true });
});

/** A downloader on the test server; fast retries off unless a test asks. */
function createDownloader(options: Partial<ModelDownloaderOptions> = {}): ModelDownloader {
  const downloader = new ModelDownloader({
    modelsDir: dir,
    hubBaseUrl: server.baseUrl,
    allowLoopbackHttp: true,
    retries: 0,
    progressIntervalMs: 0,
    ...options,
  });
  downloaders.push(downloader);
  return downloader;
}

/** The catalog-style request for the tiny model, pinned like the real catalog unless told otherwise. */
function request(overrides: Partial<DownloadRequest> = {}): DownloadRequest {
  return { repo: REPO, revision: 'main', file: FILE, sizeBytes: model.length, sha256: modelSha, ...overrides };
}

/** Serves slowly enough (≈ 0.4 s for the tiny model) to pause mid-file. */
function throttle(): void {
  server.faults.throttle = { chunkBytes: 16 * 1024, delayMs: 10 };
}

/** Resolves with the first progress event past `bytes`. */
function progressPast(downloader: ModelDownloader, bytes: number): Promise<DownloadStatus> {
  return new Promise((resolve) => {
    const stop = downloader.onProgress((status) => {
      if (status.bytesDone > bytes) {
        stop();
        resolve(status);
      }
    });
  });
}

/** The installed file is byte-for-byte the served model (compared by hash: a deep equal of 600 kB takes seconds). */
async function expectInstalledModel(): Promise<void> {
  expect(sha256(await readFile(join(dir, FILE)))).toBe(modelSha);
}

async function filesInDir(): Promise<string[]> {
  return (await readdir(dir)).sort();
}

const gets = (): typeof server.log => server.log.filter((entry) => entry.method === 'GET' && entry.path.startsWith('/cdn/'));

describe('ModelDownloader', () => {
  it('downloads, verifies the SHA-256 and installs a valid model under its final name', async () => {
    const downloader = createDownloader();
    const states: string[] = [];
    downloader.onStatus((status) => states.push(status.state));

    await downloader.start(request());
    const done = await downloader.wait(FILE);

    expect(done).toMatchObject({ state: 'done', path: join(dir, FILE), bytesDone: model.length, error: null });
    expect(done.sha256).toBe(modelSha);
    expect(states).toEqual(['queued', 'downloading', 'downloading', 'verifying', 'done']);
    await expectInstalledModel();
    expect(await filesInDir()).toEqual([FILE]); // no part, no sidecar left
    expect((await inspectModelFile(join(dir, FILE))).architecture).toBe('phi2');
    expect(server.log.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      `HEAD /${REPO}/resolve/main/${FILE} 302`, // the HEAD stops at the Hub's own answer
      `GET /${REPO}/resolve/main/${FILE} 302`,
      `GET /cdn/${FILE} 200`,
    ]);
  });

  it('takes the hash and size from the x-linked headers of the first HEAD response', async () => {
    const downloader = createDownloader();
    await downloader.start(request({ sha256: null, sizeBytes: null }));
    const done = await downloader.wait(FILE);

    expect(done).toMatchObject({ state: 'done', sha256: modelSha, totalBytes: model.length });
    expect(server.log.filter((entry) => entry.method === 'HEAD')).toHaveLength(1); // not followed to the CDN
  });

  it("falls back to the Hub's tree API for the hash when the HEAD carries none", async () => {
    server.faults.omitLinkedHeaders = true;
    const downloader = createDownloader();
    await downloader.start(request({ sha256: null, sizeBytes: null }));
    const done = await downloader.wait(FILE);

    expect(done).toMatchObject({ state: 'done', sha256: modelSha, totalBytes: model.length });
    expect(server.log.some((entry) => entry.path === `/api/models/${REPO}/tree/main`)).toBe(true);
  });

  it('refuses to download a file nobody gives a checksum for', async () => {
    Object.assign(server.faults, { omitLinkedHeaders: true, noTreeApi: true });
    const downloader = createDownloader();
    await downloader.start(request({ sha256: null }));
    const failed = await downloader.wait(FILE);

    expect(failed.state).toBe('error');
    expect(failed.error).toMatchObject({ code: 'NO_CHECKSUM', resumable: false });
    expect(gets()).toHaveLength(0);
    expect(await filesInDir()).toEqual([]);
  });

  it('refuses when the Hub reports a different hash than the pinned one', async () => {
    const downloader = createDownloader();
    await downloader.start(request({ sha256: 'a'.repeat(64) }));
    const failed = await downloader.wait(FILE);

    expect(failed.error?.code).toBe('UPSTREAM_CHANGED');
    expect(failed.error?.message).toContain(modelSha);
    expect(gets()).toHaveLength(0);
  });

  it('reports monotone progress with a smoothed speed and a sane ETA', async () => {
    throttle();
    let clock = 0;
    const downloader = createDownloader({ now: () => (clock += 50) }); // 50 ms per reading: deterministic rates
    const events: DownloadStatus[] = [];
    downloader.onProgress((status) => events.push(status));
    await downloader.start(request());
    await downloader.wait(FILE);

    expect(events.length).toBeGreaterThan(5);
    for (let i = 1; i < events.length; i++) expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ bytesDone: model.length, totalBytes: model.length, etaSeconds: 0 });
    const timed = events.filter((status) => status.bytesPerSecond !== null && status.bytesDone < model.length);
    expect(timed.length).toBeGreaterThan(0);
    for (const status of timed) {
      expect(status.bytesPerSecond).toBeGreaterThan(0);
      const expected = (model.length - status.bytesDone) / status.bytesPerSecond!;
      expect(status.etaSeconds).toBeGreaterThanOrEqual(Math.floor(expected));
      expect(status.etaSeconds).toBeLessThanOrEqual(Math.ceil(expected) + 1);
    }
  });

  it('pauses, keeps the part on disk, and resumes with a Range request to an identical file', async () => {
    throttle();
    const downloader = createDownloader();
    const midway = progressPast(downloader, 150_000);
    await downloader.start(request());
    await midway;
    const paused = await downloader.pause(FILE);

    expect(paused.state).toBe('paused');
    expect(paused.bytesDone).toBeGreaterThan(150_000);
    expect(paused.bytesDone).toBeLessThan(model.length);
    expect((await stat(join(dir, `${FILE}.part`))).size).toBe(paused.bytesDone);
    expect(await filesInDir()).toEqual([FILE + '.part', FILE + '.part.json']);

    server.faults.throttle = null;
    await downloader.resume(FILE);
    expect((await downloader.wait(FILE)).state).toBe('done');
    await expectInstalledModel();
    expect(gets().at(-1)).toMatchObject({ range: `bytes=${paused.bytesDone}-`, status: 206 });
  });

  it('resumes after an app restart: a new downloader continues the part left on disk', async () => {
    throttle();
    const first = createDownloader();
    const midway = progressPast(first, 150_000);
    await first.start(request());
    await midway;
    await first.dispose(); // quitting the app pauses and keeps the part
    const leftOver = (await stat(join(dir, `${FILE}.part`))).size;
    expect(leftOver).toBeGreaterThan(150_000);

    server.faults.throttle = null;
    const second = createDownloader();
    expect(await second.restore()).toEqual([
      expect.objectContaining({ id: FILE, state: 'paused', bytesDone: leftOver, totalBytes: model.length }),
    ]);
    await second.resume(FILE);
    const done = await second.wait(FILE);

    expect(done.state).toBe('done');
    await expectInstalledModel();
    expect(gets().at(-1)).toMatchObject({ range: `bytes=${leftOver}-`, status: 206 });
  });

  it('resumes a part left by a crash (never paused, never fsynced by a pause)', async () => {
    await writeFile(join(dir, `${FILE}.part`), model.subarray(0, 123_456));
    const url = `${server.baseUrl}/${REPO}/resolve/main/${FILE}`;
    await writePartMeta(join(dir, `${FILE}.part.json`), {
      version: 1,
      request: request(),
      url,
      totalBytes: model.length,
      sha256: modelSha,
    });
    const downloader = createDownloader();
    await downloader.resume(FILE);

    expect((await downloader.wait(FILE)).state).toBe('done');
    expect(gets().map((entry) => entry.range)).toEqual(['bytes=123456-']);
    await expectInstalledModel();
  });

  it('starts over and still ends correct when the server ignores the Range header', async () => {
    throttle();
    const downloader = createDownloader();
    const midway = progressPast(downloader, 150_000);
    await downloader.start(request());
    await midway;
    await downloader.pause(FILE);

    Object.assign(server.faults, { throttle: null, ignoreRange: true });
    await downloader.resume(FILE);
    expect((await downloader.wait(FILE)).state).toBe('done');
    await expectInstalledModel();
    // The ranged request was answered 200 with the whole file, which was used as is: no second request.
    expect(gets().map((entry) => entry.status)).toEqual([200, 200]);
    expect(gets().at(-1)!.range).toMatch(/^bytes=\d+-$/);
  });

  it('gives up on a stalled transfer as a resumable network error', async () => {
    server.faults.stallAtOffset = 100_000;
    const downloader = createDownloader({ stallTimeoutMs: 150 });
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.error).toMatchObject({ code: 'NETWORK', resumable: true });
    expect(failed.error?.message).toContain('stalled');
    expect(failed.bytesDone).toBe(100_000);
  });

  it('reports a connection cut mid-file as a resumable error, then resumes to completion', async () => {
    server.faults.cutAtOffset = 200_000;
    const downloader = createDownloader();
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.state).toBe('error');
    expect(failed.error).toMatchObject({ code: 'NETWORK', resumable: true });
    expect(failed.error?.message).toMatch(/interrupted|closed early/);
    expect(failed.bytesDone).toBe(200_000); // everything received was kept
    expect((await stat(join(dir, `${FILE}.part`))).size).toBe(200_000);

    await downloader.resume(FILE);
    expect((await downloader.wait(FILE)).state).toBe('done');
    await expectInstalledModel();
    expect(gets().at(-1)).toMatchObject({ range: 'bytes=200000-', status: 206 });
  });

  it('retries a cut connection by itself when retries are allowed', async () => {
    server.faults.cutAtOffset = 200_000;
    const downloader = createDownloader({ retries: 2, retryDelayMs: 5 });
    const states: string[] = [];
    downloader.onStatus((status) => states.push(status.state));
    await downloader.start(request());

    expect((await downloader.wait(FILE)).state).toBe('done');
    expect(states).not.toContain('error');
    expect(gets().map((entry) => entry.range)).toEqual([null, 'bytes=200000-']);
    await expectInstalledModel();
  });

  it('deletes the part and says so when a corrupted byte breaks the checksum', async () => {
    server.faults.corruptByteAt = 300_000;
    const downloader = createDownloader();
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.state).toBe('error');
    expect(failed.error).toMatchObject({ code: 'CHECKSUM_MISMATCH', resumable: false });
    expect(failed.error?.message).toContain(`expected ${modelSha}`);
    expect(failed.error?.message).toContain('deleted');
    expect(await filesInDir()).toEqual([]);
  });

  it('reports a missing file (404) clearly and writes nothing', async () => {
    server.faults.notFound = true;
    const downloader = createDownloader();
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.error).toMatchObject({ code: 'NOT_FOUND', resumable: false });
    expect(failed.error?.message).toContain('404');
    expect(failed.error?.message).toContain(FILE);
    expect(await filesInDir()).toEqual([]);
  });

  it('refuses before writing a byte when the disk is too full, naming needed and free space', async () => {
    const downloader = createDownloader({ getFreeBytes: async () => 1000 });
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.error?.code).toBe('INSUFFICIENT_SPACE');
    expect(failed.error?.message).toContain('needs 600 kB');
    expect(failed.error?.message).toContain('only 1.00 kB is free');
    expect(gets()).toHaveLength(0);
    expect(await filesInDir()).toEqual([]);
  });

  it('checks free space only for the bytes still missing when resuming', async () => {
    throttle();
    let free = Number.POSITIVE_INFINITY;
    const downloader = createDownloader({ getFreeBytes: async () => free });
    const midway = progressPast(downloader, 150_000);
    await downloader.start(request());
    await midway;
    const paused = await downloader.pause(FILE);

    server.faults.throttle = null;
    free = model.length - paused.bytesDone + 1; // less than the whole file, enough for the rest
    await downloader.resume(FILE);
    expect((await downloader.wait(FILE)).state).toBe('done');
  });

  it('discards a part whose sidecar describes another version of the file', async () => {
    throttle();
    const downloader = createDownloader();
    const midway = progressPast(downloader, 100_000);
    await downloader.start(request());
    await midway;
    await downloader.pause(FILE);
    const metaPath = join(dir, `${FILE}.part.json`);
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { sha256: string };
    await writeFile(metaPath, JSON.stringify({ ...meta, sha256: 'b'.repeat(64) }));

    server.faults.throttle = null;
    await downloader.resume(FILE);
    expect((await downloader.wait(FILE)).state).toBe('done');
    expect(gets().at(-1)).toMatchObject({ range: null, status: 200 }); // from byte 0
    await expectInstalledModel();
  });

  it('cancels a running download and removes its part', async () => {
    throttle();
    const downloader = createDownloader();
    const midway = progressPast(downloader, 100_000);
    await downloader.start(request());
    await midway;
    const cancelled = await downloader.cancel(FILE);

    expect(cancelled).toMatchObject({ state: 'cancelled', bytesDone: 0 });
    expect(await filesInDir()).toEqual([]);
  });

  it('cancels a paused download left by an earlier run', async () => {
    throttle();
    const first = createDownloader();
    const midway = progressPast(first, 100_000);
    await first.start(request());
    await midway;
    await first.dispose();

    const second = createDownloader();
    expect((await second.cancel(FILE)).state).toBe('cancelled');
    expect(await filesInDir()).toEqual([]);
  });

  it('deletes a file whose checksum matches but which is not a GGUF model', async () => {
    const downloader = createDownloader();
    await downloader.start(request({ file: 'not-a-model.gguf', sha256: null, sizeBytes: null }));
    const failed = await downloader.wait('not-a-model.gguf');

    expect(failed.error?.code).toBe('INVALID_MODEL');
    expect(failed.error?.message).toContain('not a GGUF file');
    expect(await filesInDir()).toEqual([]);
  });

  it('refuses plain HTTP unless explicitly allowed, before any request', async () => {
    const downloader = createDownloader({ allowLoopbackHttp: false });
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.error?.code).toBe('INSECURE_URL');
    expect(failed.error?.message).toContain('only HTTPS');
    expect(server.log).toHaveLength(0);
  });

  it('refuses a redirect to a host the policy does not allow', async () => {
    server.faults.redirectTo = `${server.baseUrl.replace('127.0.0.1', 'localhost')}/cdn/${FILE}`;
    const downloader = createDownloader();
    await downloader.start(request());
    const failed = await downloader.wait(FILE);

    expect(failed.error?.code).toBe('INSECURE_URL');
    expect(gets()).toHaveLength(0);
  });

  it('makes no request until asked, and none for a model already in place', async () => {
    const first = createDownloader();
    await first.restore();
    expect(server.log).toHaveLength(0);
    await first.start(request());
    await first.wait(FILE);
    server.log.length = 0;

    const second = createDownloader();
    await second.start(request());
    expect(await second.wait(FILE)).toMatchObject({ state: 'done', path: join(dir, FILE), sha256: null });
    expect(server.log).toHaveLength(0);
  });

  it('queues a second download until the first is done', async () => {
    server.addFile('phi-2.Q2_K.gguf', model);
    const downloader = createDownloader();
    await downloader.start(request());
    const second = await downloader.start(request({ file: 'phi-2.Q2_K.gguf' }));
    expect(second.state).toBe('queued');
    expect(downloader.list().map((status) => status.state)).toEqual(['downloading', 'queued']);

    expect((await downloader.wait('phi-2.Q2_K.gguf')).state).toBe('done');
    expect(downloader.status(FILE)?.state).toBe('done');
    expect(await filesInDir()).toEqual(['phi-2.Q2_K.gguf', FILE]);
  });

  it('rejects a file name that would escape the models folder', async () => {
    const downloader = createDownloader();
    await expect(downloader.start(request({ file: '../evil.gguf' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(downloader.start(request({ file: 'sub/dir.gguf' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});
