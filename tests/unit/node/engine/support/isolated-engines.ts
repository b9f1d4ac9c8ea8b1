import { afterEach, beforeAll } from 'vitest';
import { createAppEngine, type AppEngineOptions } from '../../../../../src-main/node/engine/process/create-engine';
import type { IsolatedEngine } from '../../../../../src-main/node/engine/process/isolated-engine';
import { getTinyModelPath } from '../../../../fixtures/models';

/**
 * Engines in their own process (as the app runs them) on the tiny model, for one test file: `start` makes one with
 * one thread and loads the model; every engine started is disposed after each test.
 */
export function useIsolatedEngines(): { start(options?: AppEngineOptions): Promise<IsolatedEngine> } {
  let modelPath = '';
  const engines: IsolatedEngine[] = [];
  beforeAll(async () => {
    modelPath = await getTinyModelPath();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.dispose()));
  });
  return {
    async start(options: AppEngineOptions = {}): Promise<IsolatedEngine> {
      const engine = createAppEngine({ threads: 1, ...options });
      engines.push(engine);
      await engine.load(modelPath);
      return engine;
    },
  };
}
