import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../../../src-main/common/contract';
import { parseParams } from '../../../../src-main/common/schemas';
import type { ModelDownload, ModelsState } from '../../../../src-main/common/types';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import type { ChatEngine } from '../../../../src-main/node/engine/port';
import { ScriptedEngine } from '../../../support/scripted-engine';
import type { ModelCatalogEntry } from '../../../../src-main/node/models';
import {
  ModelService,
  modelPathSetting,
  type ModelPathSetting,
  type ModelServiceOptions,
} from '../../../../src-main/node/services/model-service';
import { openStore, type Store } from '../../../../src-main/node/store';
import { gguf, writeGguf } from '../../../support/synthetic-model/gguf-writer';
import { TINY_SHAPE, describeSyntheticPhi2Model } from '../../../support/synthetic-model/synthetic-phi2';
import { getTinyModelPath } from '../../../fixtures/models';
import { REPO, noFaults, sha256, startModelServer, type ModelServer } from '../models/model-server';

let dir: string;
let tinyModel: string;
const services: ModelService[] = [];
const engines: ChatEngine[] = [];
const stores: Store[] = [];

beforeAll(async () => {
  tinyModel = await getTinyModelPath();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'phi-desk-models-'));
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(engines.splice(0).map((engine) => engine.dispose()));
  for (const store of stores.splice(0)) store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The `modelPath` setting in a real settings store in `dir` (a second call opens the same database again). */
function savedSetting(): ModelPathSetting {
  const store = openStore(path.join(dir, 'phi-desk.sqlite'));
  stores.push(store);
  return modelPathSetting(store.settings);
}

function memorySetting(): ModelPathSetting & { value: string | null } {
  const setting = { value: null as string | null, get: () => setting.value, set: (v: string | null) => void (setting.value = v) };
  return setting;
}

function createService(options: Partial<ModelServiceOptions> & Pick<ModelServiceOptions, 'engine'>): ModelService {
  const service = new ModelService({ dataDir: dir, setting: memorySetting(), ...options });
  services.push(service);
  return service;
}

function realEngine(): LlamaEngine {
  const engine = new LlamaEngine({ threads: 1, defaults: { temperature: 0, maxTokens: 8, seed: 1 } });
  engines.push(engine);
  return engine;
}

/** Expect `promise` to reject with an `RpcError` of `code` (and `details.reason`); returns its message. */
async function rejection(promise: Promise<unknown>, code: string, reason?: string): Promise<string> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  const rpc = error as RpcError;
  expect(rpc.code).toBe(code);
  if (reason !== undefined) expect(rpc.details).toEqual({ reason });
  return rpc.message;
}

async function answers(engine: ChatEngine): Promise<string> {
  const result = await engine.generate({ turns: [{ role: 'user', content: 'Hello' }] });
  return result.text;
}

describe('using a model file', () => {
  it('loads a good model, remembers it, and keeps it loaded and answering when a bad file is offered next', async () => {
    const engine = realEngine();
    const setting = memorySetting();
    const changes: ModelsState[] = [];
    const service = createService({ engine, setting, onChanged: (state) => changes.push(state) });

    const state = await service.useFile(tinyModel);
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
    expect(state.currentModelPath).toBe(tinyModel);
    expect(setting.value).toBe(tinyModel);
    expect(changes.at(-1)?.currentModelPath).toBe(tinyModel);
    const before = await answers(engine);
    expect(before.length).toBeGreaterThan(0);

    // Not GGUF at all.
    const text = path.join(dir, 'notes.gguf');
    await writeFile(text, 'These are my notes, not a model. '.repeat(50));
    expect(await rejection(service.useFile(text), 'BAD_REQUEST', 'INVALID')).toMatch(/not a GGUF file/);

    // A truncated copy of the good model (an interrupted copy or download).
    const bytes = await readFile(tinyModel);
    const truncated = path.join(dir, 'truncated.gguf');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await rejection(service.useFile(truncated), 'BAD_REQUEST', 'INVALID')).toMatch(/truncated/);

    // No such file.
    const missing = path.join(dir, 'nowhere', 'phi-2.gguf');
    expect(await rejection(service.useFile(missing), 'BAD_REQUEST', 'NOT_FOUND')).toContain(missing);

    // Another architecture.
    const llama = path.join(dir, 'llama.gguf');
    await writeFile(llama, withArchitecture(bytes, 'lama'));
    expect(await rejection(service.useFile(llama), 'BAD_REQUEST', 'ARCHITECTURE')).toMatch(/'lama' model.*phi2/);

    // Each time: the first model is still loaded and remembered, answers the same, and the error is kept in words.
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
    expect(setting.value).toBe(tinyModel);
    expect(await answers(engine)).toBe(before);
    expect(service.state().lastError).toMatch(/'lama' model/);
  });

  it('refuses a model too big for the memory available, before loading it', async () => {
    const engine = realEngine();
    let available = 10e9;
    const service = createService({ engine, availableMemory: () => available });
    await service.useFile(tinyModel);

    const copy = path.join(dir, 'copy.gguf');
    await writeFile(copy, await readFile(tinyModel));
    available = 1_000_000;
    const message = await rejection(service.useFile(copy), 'BAD_REQUEST', 'MEMORY');
    expect(message).toMatch(/copy\.gguf needs about .* of memory .* but only .* is available/);
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
    expect((await answers(engine)).length).toBeGreaterThan(0);
  });

  it('reports a refused file on first run with no model loaded, and the engine stays without one', async () => {
    const engine = realEngine();
    const service = createService({ engine });
    const text = path.join(dir, 'notes.gguf');
    await writeFile(text, 'not a model');
    await rejection(service.useFile(text), 'BAD_REQUEST', 'INVALID');
    expect(engine.status().state).toBe('noModel');
    expect(service.state()).toMatchObject({ currentModelPath: null, lastError: expect.stringMatching(/not a usable model/) });
  });

  it('loads the model remembered in the settings database at the next start', async () => {
    const first = createService({ engine: realEngine(), setting: savedSetting() });
    await first.useFile(tinyModel);
    await first.dispose();

    const engine = realEngine();
    const progress: number[] = [];
    const second = createService({ engine, setting: savedSetting() });
    expect(second.state().currentModelPath).toBe(tinyModel);
    await second.loadSaved({ onProgress: (p) => progress.push(p) });
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
    expect(progress.at(-1)).toBe(1);
  });

  it('starts with no model when the remembered file is gone, saying why, and keeps the setting', async () => {
    const setting = memorySetting();
    setting.value = path.join(dir, 'moved-away.gguf');
    const engine = new ScriptedEngine();
    const service = createService({ engine, setting });
    await service.loadSaved();
    expect(engine.status().state).toBe('noModel');
    expect(service.state().lastError).toMatch(/chosen last time could not be loaded: There is no file at .*moved-away\.gguf/);
    expect(setting.value).toBe(path.join(dir, 'moved-away.gguf'));
  });

  it('takes a model of another architecture when its file carries a chat template, and refuses one without', async () => {
    const model = describeSyntheticPhi2Model(TINY_SHAPE, 1);
    // The same weights declared as another architecture, its keys renamed to match.
    const metadata = model.metadata.map(([key, value]) =>
      key === 'general.architecture' ? ([key, gguf.str('lama')] as const) : ([key.replace(/^phi2\./, 'lama.'), value] as const),
    );
    const plain = path.join(dir, 'lama-plain.gguf');
    await writeGguf(plain, { ...model, metadata: [...metadata] });
    const templated = path.join(dir, 'lama-chat.gguf');
    const template = "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}";
    await writeGguf(templated, { ...model, metadata: [...metadata, ['tokenizer.chat_template', gguf.str(template)]] });
    const engine = new ScriptedEngine({ checkModelFile: true });
    const service = createService({ engine });
    expect(await rejection(service.useFile(plain), 'BAD_REQUEST', 'ARCHITECTURE')).toMatch(/'lama' model without a chat template/);
    await service.useFile(templated);
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: templated });
  });

  it('refuses a second model while one is loading (BUSY), then takes it once the first has loaded', async () => {
    const engine = new ScriptedEngine({ checkModelFile: true, loadDelayMs: 100 });
    const service = createService({ engine });
    const copy = path.join(dir, 'copy.gguf');
    await writeFile(copy, await readFile(tinyModel));
    const first = service.useFile(tinyModel);
    await rejection(service.useFile(copy), 'BUSY');
    await first;
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
    await service.useFile(copy);
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: copy });
    expect(service.state().currentModelPath).toBe(copy);
  });

  it('answers chooseFile with a typed error where there is no file dialog, and with the choice where there is', async () => {
    const browser = createService({ engine: new ScriptedEngine() });
    expect(browser.state().fileDialog).toBe(false);
    await rejection(browser.chooseFile(), 'BAD_REQUEST', 'NO_FILE_DIALOG');

    const desktop = createService({ engine: new ScriptedEngine(), chooseFile: async () => '/models/phi-2.gguf' });
    expect(desktop.state().fileDialog).toBe(true);
    expect(await desktop.chooseFile()).toEqual({ path: '/models/phi-2.gguf' });
  });
});

describe('the contract schemas for model paths', () => {
  it('accepts absolute .gguf paths and refuses relative, non-.gguf, over-long and NUL paths', () => {
    expect(parseParams('models.useFile', { path: '/home/me/phi-2.Q4_K_M.gguf' }).ok).toBe(true);
    expect(parseParams('models.useFile', { path: 'C:\\Models\\phi-2.GGUF' }).ok).toBe(true);
    for (const bad of ['phi-2.gguf', './phi-2.gguf', '/home/me/phi-2.bin', '', `/${'a'.repeat(5000)}.gguf`, '/a\0b.gguf']) {
      expect(parseParams('models.useFile', { path: bad }).ok, bad).toBe(false);
    }
    expect(parseParams('models.useFile', { path: '/a.gguf', extra: 1 }).ok).toBe(false);
    expect(parseParams('models.download', { file: '../../etc/passwd.gguf' }).ok).toBe(false);
    expect(parseParams('models.pauseDownload', { id: 'phi-2.Q4_K_M.gguf' }).ok).toBe(true);
  });
});

describe('downloading', () => {
  const FILE = 'phi-2.Q4_K_M.gguf';
  let server: ModelServer;
  let model: Buffer;
  let catalog: ModelCatalogEntry[];

  beforeAll(async () => {
    model = await readFile(tinyModel);
    server = await startModelServer();
    server.addFile(FILE, model);
    const pinned = (file: string, bytes: Buffer, sha = sha256(bytes)): ModelCatalogEntry => ({
      id: file,
      repo: REPO,
      revision: 'main',
      file,
      quantization: 'Q4_K_M',
      sizeBytes: bytes.length,
      sizeLabel: '1.79 GB',
      sha256: sha,
      note: 'test',
      recommended: file === FILE,
    });
    catalog = [pinned(FILE, model), pinned('phi-2.Q2_K.gguf', model)]; // Q2_K is not on the server: a 404
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    Object.assign(server.faults, noFaults());
  });

  function downloading(engine: ChatEngine, extra: Partial<ModelServiceOptions> = {}) {
    const progress: ModelDownload[] = [];
    const changes: ModelsState[] = [];
    const service = createService({
      engine,
      catalog,
      download: { hubBaseUrl: server.baseUrl, allowLoopbackHttp: true, retries: 0, progressIntervalMs: 0 },
      onDownloadProgress: (download) => progress.push(download),
      onChanged: (state) => changes.push(state),
      ...extra,
    });
    const until = (predicate: (download: ModelDownload | undefined) => boolean): Promise<ModelDownload | undefined> =>
      expect
        .poll(() => service.state().downloads.find((d) => d.id === FILE), { timeout: 20_000, interval: 20 })
        .toSatisfy(predicate)
        .then(() => service.state().downloads.find((d) => d.id === FILE));
    return { service, progress, changes, until };
  }

  it('downloads into <data>/models with progress, pauses and resumes, and loads the model on first run', async () => {
    server.faults.throttle = { chunkBytes: 64 * 1024, delayMs: 15 };
    const engine = new ScriptedEngine({ checkModelFile: true });
    const { service, progress, changes, until } = downloading(engine);
    await service.ready;
    expect(service.state().catalog.map((c) => [c.file, c.sizeLabel, c.recommended])).toContainEqual([FILE, '1.79 GB', true]);

    const started = await service.download(FILE);
    expect(['queued', 'downloading']).toContain(started.state);
    await until((d) => (d?.bytesDone ?? 0) > 0);
    const paused = await service.pauseDownload(FILE);
    expect(paused.state).toBe('paused');
    expect(paused.bytesDone).toBeGreaterThan(0);
    expect(paused.bytesDone).toBeLessThan(model.length);

    server.faults.throttle = null;
    await service.resumeDownload(FILE);
    const done = await until((d) => d?.state === 'done');
    const modelsDir = path.join(dir, 'models');
    expect(done).toMatchObject({ path: path.join(modelsDir, FILE), bytesDone: model.length, sha256: sha256(model) });
    expect(sha256(await readFile(path.join(modelsDir, FILE)))).toBe(sha256(model));

    // Progress carried bytes, and the resumed transfer asked for the rest only.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((p) => p.id === FILE && p.totalBytes === model.length)).toBe(true);
    expect(server.log.some((r) => r.range === `bytes=${paused.bytesDone}-` && r.status === 206)).toBe(true);
    expect(changes.map((c) => c.downloads[0]?.state)).toEqual(expect.arrayContaining(['downloading', 'paused', 'done']));

    // First run: the finished model is loaded and remembered, and listed as a local model.
    await expect.poll(() => engine.status().state, { timeout: 10_000 }).toBe('ready');
    expect(engine.status().modelPath).toBe(path.join(modelsDir, FILE));
    expect(service.state()).toMatchObject({
      currentModelPath: path.join(modelsDir, FILE),
      localModels: [{ file: FILE, path: path.join(modelsDir, FILE), sizeBytes: model.length }],
    });
  });

  it('keeps a paused download across a restart and resumes it from where it stopped', async () => {
    server.faults.throttle = { chunkBytes: 64 * 1024, delayMs: 15 };
    const first = downloading(new ScriptedEngine());
    await first.service.download(FILE);
    await first.until((d) => (d?.bytesDone ?? 0) > 0);
    const paused = await first.service.pauseDownload(FILE);
    await first.service.dispose();

    server.faults.throttle = null;
    const second = downloading(new ScriptedEngine({ checkModelFile: true }));
    await second.service.ready;
    expect(second.service.state().downloads).toEqual([expect.objectContaining({ id: FILE, state: 'paused', bytesDone: paused.bytesDone })]);
    await second.service.resumeDownload(FILE);
    await second.until((d) => d?.state === 'done');
    expect(server.log.some((r) => r.range === `bytes=${paused.bytesDone}-`)).toBe(true);
  });

  it('reports a 404 and a checksum failure in words, and loads nothing', async () => {
    const engine = new ScriptedEngine({ checkModelFile: true });
    const { service } = downloading(engine);
    await service.download('phi-2.Q2_K.gguf');
    await expect
      .poll(() => service.state().downloads.find((d) => d.id === 'phi-2.Q2_K.gguf')?.state, { timeout: 10_000 })
      .toBe('error');
    const notFound = service.state().downloads.find((d) => d.id === 'phi-2.Q2_K.gguf');
    expect(notFound?.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('phi-2.Q2_K.gguf') });

    server.faults.corruptByteAt = 1000;
    await service.download(FILE);
    await expect.poll(() => service.state().downloads.find((d) => d.id === FILE)?.state, { timeout: 10_000 }).toBe('error');
    const corrupt = service.state().downloads.find((d) => d.id === FILE);
    expect(corrupt?.error).toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringMatching(/damaged/) });
    expect(engine.status().state).toBe('noModel');
    expect(service.state().localModels).toEqual([]);
  });

  it('cancels a download and deletes its partial file; refuses files not in the catalog', async () => {
    server.faults.throttle = { chunkBytes: 64 * 1024, delayMs: 15 };
    const { service, until } = downloading(new ScriptedEngine());
    await service.download(FILE);
    await until((d) => (d?.bytesDone ?? 0) > 0);
    expect((await service.cancelDownload(FILE)).state).toBe('cancelled');
    await expect(readFile(path.join(dir, 'models', `${FILE}.part`))).rejects.toThrow(/ENOENT/);

    await rejection(service.download('phi-2.Q9_X.gguf'), 'NOT_FOUND');
    await rejection(service.pauseDownload('phi-2.Q8_0.gguf'), 'NOT_FOUND');
  });

  it('does not replace a running model when a download finishes', async () => {
    const engine = new ScriptedEngine({ initialModelPath: tinyModel });
    const { service, changes, until } = downloading(engine);
    await service.download(FILE);
    await until((d) => d?.state === 'done');
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
    // Listed once the service has read the models folder again (the push to windows follows that read).
    await expect.poll(() => service.state().localModels.map((m) => m.file)).toEqual([FILE]);
    expect(changes.at(-1)?.localModels.map((m) => m.file)).toEqual([FILE]);
  });
});

/** The model bytes with `general.architecture` changed to `arch` (same length as `phi2`). */
function withArchitecture(bytes: Buffer, arch: string): Buffer {
  const copy = Buffer.from(bytes);
  const key = copy.indexOf('general.architecture');
  const value = copy.indexOf('phi2', key);
  copy.write(arch, value, 'latin1');
  return copy;
}

