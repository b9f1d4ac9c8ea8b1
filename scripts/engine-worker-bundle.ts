import { build } from 'esbuild';

/** Packages the bundles leave to node_modules: native, heavy, or Electron itself. */
export const BUNDLE_EXTERNALS = ['electron', 'better-sqlite3', 'node-llama-cpp', 'ws', 'vite'];

/**
 * The first lines of every ES-module bundle: a `require` for the CommonJS packages bundled into it (yazl, yauzl and
 * stream-json `require('fs')` and friends), which esbuild's ES output otherwise refuses at load ("Dynamic require of
 * "fs" is not supported") — the desktop app's main process would not start.
 */
export const ESM_REQUIRE_BANNER = {
  js: "import { createRequire as __phiDeskCreateRequire } from 'node:module'; const require = __phiDeskCreateRequire(import.meta.url);",
};

/** How the app's ES-module bundles are made (the desktop app's main, engine and store processes; the benchmarks'). */
export const ESM_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: BUNDLE_EXTERNALS,
  banner: ESM_REQUIRE_BANNER,
  logLevel: 'warning',
} as const;

/**
 * Bundles the engine worker (the process llama.cpp runs in) into one ES module at `outfile`: what the desktop app
 * ships (dist/electron/engine-worker.js), and what the benchmark measures.
 */
export async function bundleEngineWorker(outfile: string): Promise<void> {
  await build({
    entryPoints: ['src-main/node/engine/process/engine-worker.ts'],
    outfile,
    ...ESM_BUNDLE,
    target: 'node22',
    sourcemap: 'linked',
  });
}

/**
 * Bundles the backup worker (the thread a backup is copied on while the app runs, see
 * src-main/node/store/backup-thread.ts) into one ES module at `outfile`. The host finds it beside its own bundle, so
 * it goes wherever a host is bundled: the desktop app's dist/electron/, the benchmark's bundles. Without it the
 * backups are copied on the host's thread (slowly for a big history, and with a warning in the log).
 */
export async function bundleBackupWorker(outfile: string, target: 'node20' | 'node22' = 'node22'): Promise<void> {
  await build({
    entryPoints: ['src-main/node/store/backup-worker.ts'],
    outfile,
    ...ESM_BUNDLE,
    target,
    sourcemap: 'linked',
  });
}
