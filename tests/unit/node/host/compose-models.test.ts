import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PushEvents, RpcError } from '../../../../src-main/common/contract';
import { connectApp, serveApp, type AppClient } from '../../../../src-main/common/app-rpc';
import { createMemoryTransportPair } from '../../../support/memory-transport';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { composeApp, type ComposedApp } from '../../../../src-main/node/host/compose';
import { getTinyModelPath } from '../../../fixtures/models';
import { makeFifo, releaseFifo, within } from '../../../fixtures/special-files';

// The model manager through the real contract (schemas, RPC, in-memory transport) on the composed app with a real
// settings database: what a window sees.

let dir: string;
let tinyModel: string;
const open: Array<{ app: ComposedApp; client: AppClient; close: () => void }> = [];

beforeAll(async () => {
  tinyModel = await getTinyModelPath();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'phi-compose-models-'));
});
afterEach(async () => {
  for (const { app, client, close } of open.splice(0)) {
    client.close();
    close();
    await app.dispose();
  }
  await rm(dir, { recursive: true, force: true });
});

function start(engine: ScriptedEngine): { app: ComposedApp; client: AppClient; pushes: PushEvents[] } {
  const app = composeApp({ dataDir: dir, engine, host: 'browser', version: '0.0.0-test' });
  const pair = createMemoryTransportPair();
  const server = serveApp(pair.server, app.handlers);
  const offPush = app.onPush((event) => server.push(event));
  const client = connectApp(pair.client);
  const pushes: PushEvents[] = [];
  client.onPush((event) => pushes.push(event));
  open.push({ app, client, close: () => (offPush(), server.close(), pair.close()) });
  return { app, client, pushes };
}

describe('the model manager in the composed app', () => {
  it('starts with no model and an empty models folder in <data>/models on first run', async () => {
    const { client } = start(new ScriptedEngine());
    const state = await client.call('models.getState', {});
    expect(state).toMatchObject({ currentModelPath: null, modelsDir: path.join(dir, 'models'), fileDialog: false, downloads: [] });
    expect(state.catalog.find((item) => item.recommended)).toMatchObject({ file: 'phi-2.Q4_K_M.gguf', sizeLabel: '1.79 GB' });
    expect(state.catalog).toHaveLength(12);
    expect((await client.call('engine.getStatus', {})).state).toBe('noModel');
  });

  it('loads a file over the contract with progress, saves it in the settings, and a second start loads it again', async () => {
    const first = start(new ScriptedEngine({ checkModelFile: true }));
    const state = await first.client.call('models.useFile', { path: tinyModel });
    expect(state.currentModelPath).toBe(tinyModel);
    const statuses = first.pushes.flatMap((e) => (e.type === 'onEngineStatus' ? [e.status] : []));
    expect(statuses.some((s) => s.state === 'loading' && (s.loadProgress ?? 0) > 0 && (s.loadProgress ?? 1) < 1)).toBe(true);
    expect(statuses.at(-1)).toMatchObject({ state: 'ready', modelPath: tinyModel });
    expect(first.pushes).toContainEqual({ type: 'onModelsChanged', state: expect.objectContaining({ currentModelPath: tinyModel }) });
    // Saved in the app settings, which every window can read.
    expect((await first.client.call('settings.get', {})).modelPath).toBe(tinyModel);
    const closing = open.splice(0, 1)[0]!;
    closing.client.close();
    closing.close();
    await closing.app.dispose();

    const engine = new ScriptedEngine({ checkModelFile: true });
    const second = start(engine);
    expect((await second.client.call('models.getState', {})).currentModelPath).toBe(tinyModel);
    await second.app.models.loadSaved();
    expect(engine.status()).toMatchObject({ state: 'ready', modelPath: tinyModel });
  });

  it('refuses bad input at the schema and bad files with a typed error, keeping the loaded model', async () => {
    const engine = new ScriptedEngine({ checkModelFile: true, initialModelPath: tinyModel });
    const { client } = start(engine);
    const refused = async (params: unknown): Promise<RpcError> =>
      client.call('models.useFile', params as { path: string }).then(
        () => {
          throw new Error('accepted');
        },
        (error: RpcError) => error,
      );

    expect((await refused({ path: 'relative/model.gguf' })).code).toBe('BAD_REQUEST');
    expect((await refused({ path: '/etc/passwd' })).message).toMatch(/must be a \.gguf file/);
    const notes = path.join(dir, 'notes.gguf');
    await writeFile(notes, 'not a model at all, just words. '.repeat(20));
    const invalid = await refused({ path: notes });
    expect(invalid).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'INVALID' } });
    expect(invalid.message).toMatch(/not a GGUF file/);
    expect((await client.call('engine.getStatus', {})).modelPath).toBe(tinyModel);

    const dialog = await client.call('models.chooseFile', {}).catch((error: RpcError) => error);
    expect(dialog).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NO_FILE_DIALOG' } });
  });

  it('refuses a named pipe at once, keeps the loaded model, and the next load is not BUSY (issue 12)', async () => {
    const engine = new ScriptedEngine({ checkModelFile: true, initialModelPath: tinyModel });
    const { client } = start(engine);
    const pipe = makeFifo(path.join(dir, 'pipe.gguf'));
    try {
      const refused = await within(2000, 'models.useFile on a named pipe', client.call('models.useFile', { path: pipe })).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({
        code: 'BAD_REQUEST',
        message: `${pipe} is not a regular file (a named pipe).`,
        details: { reason: 'INVALID' },
      });
      expect((await client.call('engine.getStatus', {})).modelPath).toBe(tinyModel);
      const copy = path.join(dir, 'copy.gguf');
      await copyFile(tinyModel, copy);
      const state = await within(5000, 'the next models.useFile', client.call('models.useFile', { path: copy }));
      expect(state.currentModelPath).toBe(copy);
    } finally {
      releaseFifo(pipe);
    }
  });
});
