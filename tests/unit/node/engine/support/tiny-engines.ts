import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LlamaEngine, type LlamaEngineOptions } from '../../../../../src-main/node/engine/llama-engine';
import { acquireLlama, type LlamaLease } from '../../../../../src-main/node/engine/llama-runtime';
import { getTinyModelPath } from '../../../../fixtures/models';

/**
 * Real engines on the tiny model for one test file: llama.cpp's runtime is held for the whole file (starting it
 * takes seconds), `start` loads a fresh engine (one thread; KV states saved only on dispose or a prefill's request,
 * unless the options say otherwise), every engine started is disposed after each test, and `scratch(name)` is a
 * path in a folder deleted after the file.
 */
export function useTinyEngines(folderPrefix: string) {
  let lease: LlamaLease | undefined;
  let modelPath = '';
  let root = '';
  const engines: LlamaEngine[] = [];

  beforeAll(async () => {
    lease = await acquireLlama();
    modelPath = await getTinyModelPath();
    root = await mkdtemp(join(tmpdir(), folderPrefix));
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.dispose()));
  });
  afterAll(async () => {
    await lease?.release();
    await rm(root, { recursive: true, force: true });
  });

  return {
    /** Loads the tiny model, or `model` (another synthetic model, say). */
    async start(options: LlamaEngineOptions = {}, model: string = modelPath): Promise<LlamaEngine> {
      const engine = new LlamaEngine({ threads: 1, kvSaveDelayMs: 60_000, ...options });
      engines.push(engine);
      await engine.load(model);
      return engine;
    },
    /** Keeps an engine made elsewhere in the file disposed after the test too. */
    track(engine: LlamaEngine): LlamaEngine {
      engines.push(engine);
      return engine;
    },
    scratch: (name: string): string => join(root, name),
    modelPath: (): string => modelPath,
  };
}
