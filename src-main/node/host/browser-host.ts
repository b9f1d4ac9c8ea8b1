import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ChatEngine, LoadOptions } from '../engine/port';
import type { ModelHostOptions } from '../services/model-service';
import { createAppEngine } from '../engine/process/create-engine';
import { openAppLog, type AppLog } from '../logs/app-log';
import { APP_VERSION } from './app-version';
import { BrowserPages } from './browser-pages';
import type { ComposedApp, ComposeOptions } from './compose';
import { startLoopbackServer } from './loopback-server';
import { startApp, type StartAppOptions, type StartingApp } from './startup/start-app';
import { TransferArea } from '../history/transfers';

/** The browser host's staging folder for history downloads and uploads, inside the data folder. */
export const TRANSFERS_FOLDER = 'transfers';

/** The built renderer inside this checkout (`npm run build:renderer` writes it). */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

export interface BrowserHostOptions {
  /** Folder for the conversation database. */
  dataDir: string;
  /**
   * A GGUF model to load; it becomes the saved model. It is checked (header, architecture, memory) before anything is
   * served, so a wrong file fails the start; it then loads while the page is served, showing its progress there.
   * Without it the model saved in the settings loads as soon as the store has said which, or the app starts with
   * none (first run).
   */
  modelPath?: string;
  /** Model manager overrides (tests: a loopback download server, injected free memory). */
  models?: ModelHostOptions;
  /** The engine to use (tests pass a scripted one); by default node-llama-cpp in its own process (`createAppEngine`). */
  engine?: ChatEngine;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The largest history file the window may upload to import (tests); 8 GB by default. */
  maxUploadBytes?: number;
  /** Folder with the built renderer; `dist/renderer` by default. */
  rendererDir?: string;
  /** Model load progress, 0..1. */
  onLoadProgress?: LoadOptions['onProgress'];
  /**
   * Aborting stops a start still in progress (Ctrl+C before the host listens): everything opened is closed (within
   * the app's dispose deadline), and the start rejects with the reason. Once it listens, `close()` stops it.
   */
  signal?: AbortSignal;
  /** The app's log; default: `logs/phi-desk.log` in the data folder, errors also printed on stderr. */
  log?: AppLog;
  /** Where the store is opened (see `StartAppOptions.storeOpening`); `auto` by default. */
  storeOpening?: StartAppOptions['storeOpening'];
  /** Store options for tests (the check for damage, its budget). */
  store?: ComposeOptions['store'];
}

export interface BrowserHost {
  /** The full URL to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The app from its first moment: the contract, where the start stands, the engine and the models. */
  readonly starting: StartingApp;
  /** The app once the store is open; throws before (a big history may take a while: await `ready` first). */
  readonly app: ComposedApp;
  /** Resolves with the app once the store is open; rejects with why it cannot be opened. */
  readonly ready: Promise<ComposedApp>;
  /** The pages connected (chat pages, quick prompts) and what the quick prompt asked of its "window". */
  readonly pages: BrowserPages;
  /** The app's log. */
  readonly log: AppLog;
  /** Close every connection and the server, then dispose the engine and close the database. */
  close(): Promise<void>;
}

/**
 * The browser host: the whole app (store, engine, services) served to a browser on 127.0.0.1 — the same renderer
 * and the same contract as the desktop app, over a WebSocket. It listens as soon as the instance lock is taken (and a
 * model named at launch has passed its check), whatever the size of the history: the page shows the start-up panel
 * while the store opens (see `startApp`), and the model loads meanwhile. If anything fails while starting, everything
 * opened so far is closed again before the error is thrown.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const log =
    options.log ??
    openAppLog(options.dataDir, {
      // The terminal is the browser host's own window: an error's first line shows there too.
      echo: (line, level) => {
        if (level === 'error') process.stderr.write(`${line.split('\n')[0]}\n`);
      },
    });
  const engine =
    options.engine ??
    createAppEngine({ dataDir: path.resolve(options.dataDir), onLog: (level, message) => log.write(level, message) });
  const pages = new BrowserPages();
  const { signal } = options;
  let app: StartingApp;
  // History files cross HTTP here: exports to download, uploads to import (see history-routes.ts).
  const transfers = new TransferArea(path.join(path.resolve(options.dataDir), TRANSFERS_FOLDER), {
    ...(options.maxUploadBytes === undefined ? {} : { maxUploadBytes: options.maxUploadBytes }),
  });
  try {
    app = startApp({
      dataDir: path.resolve(options.dataDir),
      engine,
      host: 'browser',
      version: APP_VERSION,
      onLog: (level, message) => log.write(level, message),
      windows: pages,
      history: { transfers },
      ...(options.models ? { models: options.models } : {}),
      ...(options.modelPath ? { modelPath: path.resolve(options.modelPath) } : {}),
      ...(options.onLoadProgress ? { onLoadProgress: options.onLoadProgress } : {}),
      ...(options.storeOpening ? { storeOpening: options.storeOpening } : {}),
      ...(options.store ? { store: options.store } : {}),
    });
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  try {
    // A wrong model file fails the start in one line, before there is a page to open.
    if (options.modelPath) await untilAborted(app.models.checkFile(path.resolve(options.modelPath)), signal);
    signal?.throwIfAborted();
    const server = await startLoopbackServer({
      app,
      pages,
      transfers,
      log,
      rendererDir: options.rendererDir ?? DEFAULT_RENDERER_DIR,
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    if (signal?.aborted) {
      await server.close();
      signal.throwIfAborted();
    }
    let closing: Promise<void> | undefined;
    const starting = app;
    return {
      url: server.url,
      port: server.port,
      token: server.token,
      starting,
      get app(): ComposedApp {
        const composed = starting.composed;
        if (!composed) throw new Error('The app is still opening its conversations: await host.ready first.');
        return composed;
      },
      ready: starting.ready,
      pages,
      log,
      close() {
        closing ??= server.close().finally(() => starting.dispose().finally(() => transfers.close()));
        return closing;
      },
    };
  } catch (error) {
    await app.dispose();
    throw error;
  }
}

/**
 * `work`, or the abort reason as soon as `signal` aborts — without waiting for `work`, which may ignore the signal
 * (native code); the caller then disposes the app, which cuts it short.
 */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    work.catch(() => undefined); // its failure after the abort has nobody left to tell
  }
}
