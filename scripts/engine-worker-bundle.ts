import { build } from 'esbuild';

/** Packages the bundles leave to node_modules: native, heavy, or Electron itself. */
export const BUNDLE_EXTERNALS = ['electron', 'better-sqlite3', 'node-llama-cpp', 'ws', 'vite'];

/**
 * Bundles the engine worker (the process llama.cpp runs in) into one ES module at `outfile`: what the desktop app
 * ships (dist/electron/engine-worker.js), and what the benchmark measures.
 */
export async function bundleEngineWorker(outfile: string): Promise<void> {
  await build({
    entryPoints: ['src-main/node/engine/process/engine-worker.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: BUNDLE_EXTERNALS,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
