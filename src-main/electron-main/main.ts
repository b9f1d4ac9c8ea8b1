import { app, dialog, type BrowserWindow } from 'electron';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LlamaEngine } from '../node/engine/llama-engine';
import { composeApp, type ComposedApp } from '../node/host/compose';
import { registerAppScheme, serveRendererFiles } from './app-protocol';
import { IpcPort } from './ipc-port';
import { createChatWindow } from './windows';

// The bundle lives in dist/electron/; the renderer in dist/renderer/.
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, 'preload.cjs');

/**
 * better-sqlite3 is ABI-bound: node_modules holds the build for Node (the tests use it), and the desktop app loads
 * a separate Electron build — shipped in resources/native when packaged, prepared in .cache by `npm start`.
 */
function sqliteBinding(): string | undefined {
  const file = app.isPackaged
    ? path.join(process.resourcesPath, 'native', 'better_sqlite3.node')
    : path.join(here, '..', '..', '.cache', 'electron-native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}

/** The model to load: `--model <file>`, else $PHI_DESK_MODEL, else the first .gguf in <userData>/models. */
function findModel(dataDir: string): string | undefined {
  const { values } = parseArgs({ args: process.argv.slice(app.isPackaged ? 1 : 2), options: { model: { type: 'string' } }, strict: false });
  if (typeof values.model === 'string') return path.resolve(values.model);
  if (process.env.PHI_DESK_MODEL) return path.resolve(process.env.PHI_DESK_MODEL);
  const models = path.join(dataDir, 'models');
  const first = existsSync(models) ? readdirSync(models).filter((f) => f.endsWith('.gguf')).sort()[0] : undefined;
  return first === undefined ? undefined : path.join(models, first);
}

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another Phi Desk is running: it focuses its window (second-instance below); this one leaves quietly.
  app.quit();
} else {
  let composed: ComposedApp | undefined;
  let ipcPort: IpcPort | undefined;
  let window: BrowserWindow | undefined;

  const openWindow = (): void => {
    window = createChatWindow(preloadPath);
    ipcPort?.attach(window.webContents);
    window.on('closed', () => (window = undefined));
  };

  app.on('second-instance', () => {
    if (!window) return openWindow();
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app
    .whenReady()
    .then(() => {
      const dataDir = app.getPath('userData');
      const nativeBinding = sqliteBinding();
      composed = composeApp({
        dataDir,
        engine: new LlamaEngine(),
        host: 'electron',
        version: app.getVersion(),
        ...(nativeBinding ? { nativeBinding } : {}),
      });
      ipcPort = new IpcPort(composed.handlers);
      composed.onPush((event) => ipcPort?.push(event));
      serveRendererFiles(rendererDir);
      openWindow();
      const model = findModel(dataDir);
      // Load failures reach the window as engine status; the app stays usable for reading history.
      if (model) composed.engine.load(model).catch((error: unknown) => console.error('[phi-desk] model load failed:', error));
    })
    .catch((error: unknown) => {
      // E.g. the database is locked by another program or cannot be written: say so in words, then leave.
      dialog.showErrorBox('Phi Desk could not start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });

  app.on('activate', () => {
    if (!window && app.isReady() && composed) openWindow();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting || !composed) return;
    // Dispose the engine and close the database before exiting, so nothing is left half-written.
    event.preventDefault();
    quitting = true;
    ipcPort?.dispose();
    void composed.dispose().finally(() => app.exit(0));
  });
}
