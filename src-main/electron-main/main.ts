import { app, dialog, type BrowserWindow } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppEngine } from '../node/engine/process/create-engine';
import { composeApp, type ComposedApp } from '../node/host/compose';
import { registerAppScheme, serveRendererFiles } from './app-protocol';
import { IpcPort } from './ipc-port';
import { utilityProcessLauncher } from './engine-process';
import { createChatWindow } from './windows';
import { chooseHistoryPath, chooseModelFile } from './file-dialogs';

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

/** A model named at launch (`--model <file>`, else $PHI_DESK_MODEL); it becomes the saved model. */
function modelFromCommandLine(): string | undefined {
  const { values } = parseArgs({ args: process.argv.slice(app.isPackaged ? 1 : 2), options: { model: { type: 'string' } }, strict: false });
  if (typeof values.model === 'string') return path.resolve(values.model);
  if (process.env.PHI_DESK_MODEL) return path.resolve(process.env.PHI_DESK_MODEL);
  return undefined;
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
        // llama.cpp runs in a utility process of its own (dist/electron/engine-worker.js): a crash there is survivable.
        engine: createAppEngine({ dataDir, launch: utilityProcessLauncher(path.join(here, 'engine-worker.js')) }),
        host: 'electron',
        version: app.getVersion(),
        ...(nativeBinding ? { nativeBinding } : {}),
        models: { chooseFile: () => chooseModelFile(window) },
        // The save dialog confirms replacing a file, so the window passes `overwrite: true` for a path chosen here.
        history: { choosePath: (request) => chooseHistoryPath(window, request) },
      });
      ipcPort = new IpcPort(composed.handlers);
      composed.onPush((event) => ipcPort?.push(event));
      serveRendererFiles(rendererDir);
      openWindow();
      // The model named at launch, else the one chosen last time, else none: the window offers to download Phi-2 or
      // pick a file. Failures reach the window in words; the app stays usable for reading history.
      const model = modelFromCommandLine();
      if (model) composed.models.useFile(model).catch((error: unknown) => console.error('[phi-desk] model load failed:', error));
      else void composed.models.loadSaved();
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
