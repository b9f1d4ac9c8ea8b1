/**
 * Bundle the Electron main process (ESM) and the preload (CommonJS: a sandboxed preload cannot load ES modules)
 * into dist/electron/. Native and heavy packages stay external and load from node_modules (unpacked from asar
 * when packaged).
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { bundleBackupWorker, bundleEngineWorker, ESM_BUNDLE } from './engine-worker-bundle';

await Promise.all([
  build({
    entryPoints: ['src-main/electron-main/main.ts'],
    outfile: 'dist/electron/main.js',
    ...ESM_BUNDLE,
    target: 'node22',
    sourcemap: 'linked',
  }),
  // The engine runs in an Electron utility process of its own (see src-main/electron-main/engine-process.ts).
  bundleEngineWorker('dist/electron/engine-worker.js'),
  // So does the opening of the store at start (see src-main/electron-main/store-process.ts).
  build({
    entryPoints: ['src-main/node/host/startup/store-process.ts'],
    outfile: 'dist/electron/store-process.js',
    ...ESM_BUNDLE,
    target: 'node22',
    sourcemap: 'linked',
  }),
  // The daily backup is copied on a worker thread of the main process (see src-main/node/store/backup-thread.ts).
  bundleBackupWorker('dist/electron/backup-worker.js'),
  build({
    entryPoints: ['src-main/electron-preload/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    logLevel: 'warning',
  }),
]);
// The tray icon (src-main/electron-main/main.ts loads it from beside the bundle, inside the packaged app).
await mkdir('dist/electron', { recursive: true });
await copyFile('resources/icon.png', 'dist/electron/tray-icon.png');
console.log('Built dist/electron/main.js, engine-worker.js, store-process.js, backup-worker.js, preload.cjs and the tray icon');
