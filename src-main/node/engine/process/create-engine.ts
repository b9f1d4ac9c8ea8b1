import type { EngineLogLevel } from '../port';
import { join } from 'node:path';
import { forkLauncher, type EngineProcessLauncher } from './engine-process';
import { IsolatedEngine } from './isolated-engine';
import type { WorkerEngineOptions } from './engine-contract';

/** Where the engine keeps saved KV-cache states, under the app's data folder. */
const KV_CACHE_FOLDER = 'kv-cache';

export interface AppEngineOptions extends Omit<WorkerEngineOptions, 'kvCacheDir'> {
  /**
   * The app's data folder: conversation KV states are saved in its `kv-cache/` folder (within `kvCacheBudgetBytes`),
   * so reopening a conversation after a restart does not evaluate its whole history again. Omit to save none.
   */
  dataDir?: string;
  /** Overrides the KV-cache folder (default `<dataDir>/kv-cache`). */
  kvCacheDir?: string;
  /** How to start the engine process. Default: `child_process.fork` of the engine worker (Electron passes its own). */
  launch?: EngineProcessLauncher;
  /** llama.cpp's warnings and errors, and crashes and restarts of the engine process. */
  onLog?: (level: EngineLogLevel, message: string) => void;
}

/**
 * The app's chat engine: node-llama-cpp in a separate process (see `IsolatedEngine`), with the engine options the app
 * and the benchmark tune (threads, context size, mmap, KV-cache folder and budget).
 */
export function createAppEngine(options: AppEngineOptions = {}): IsolatedEngine {
  const { dataDir, kvCacheDir, launch, onLog, ...engine } = options;
  const cacheDir = kvCacheDir ?? (dataDir === undefined ? undefined : join(dataDir, KV_CACHE_FOLDER));
  return new IsolatedEngine({
    launch: launch ?? forkLauncher(),
    engine: { ...engine, ...(cacheDir === undefined ? {} : { kvCacheDir: cacheDir }) },
    ...(onLog ? { onLog } : {}),
  });
}
