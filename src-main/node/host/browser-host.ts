import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ChatEngine, LoadOptions } from '../engine/port';
import type { ModelHostOptions } from '../services/model-service';
import { createAppEngine } from '../engine/process/create-engine';
import { openAppLog, type AppLog } from '../logs/app-log';
import { APP_VERSION } from './app-version';
import { BrowserPages } from './browser-pages';
import { composeApp, type ComposedApp } from './compose';
import { startLoopbackServer } from './loopback-server';
import { TransferArea } from '../history/transfers';

/** The browser host's staging folder for history downloads and uploads, inside the data folder. */
export const TRANSFERS_FOLDER = 'transfers';

/** The built renderer inside this checkout (`npm run build:renderer` writes it). */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

export interface BrowserHostOptions {
  /** Folder for the conversation database. */
  dataDir: string;
  /**
   * A GGUF model to load (checked first) before serving; it becomes the saved model. Without it the model saved in
   * the settings is loaded in the background, or the app starts with none (first run).
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
   * Aborting stops a start still in progress (Ctrl+C while the model loads): the load is cancelled without waiting
   * for it, everything opened is closed (within the app's dispose deadline), and the start rejects with the reason.
   */
  signal?: AbortSignal;
  /** The app's log; default: `logs/phi-desk.log` in the data folder, errors also printed on stderr. */
  log?: AppLog;
}

export interface BrowserHost {
  /** The full URL to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly app: ComposedApp;
  /** The pages connected (chat pages, quick prompts) and what the quick prompt asked of its "window". */
  readonly pages: BrowserPages;
  /** The app's log. */
  readonly log: AppLog;
  /** Close every connection and the server, then dispose the engine and close the database. */
  close(): Promise<void>;
}

/**
 * The browser host: the whole app (store, engine, services) served to a browser on 127.0.0.1 — the same renderer
 * and the same contract as the desktop app, over a WebSocket. If anything fails while starting, everything opened
 * so far is closed again before the error is thrown.
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
  // History files cross HTTP here: exports to download, uploads to import (see history-routes.ts).
  const transfers = new TransferArea(path.join(path.resolve(options.dataDir), TRANSFERS_FOLDER), {
    ...(options.maxUploadBytes === undefined ? {} : { maxUploadBytes: options.maxUploadBytes }),
  });
  let app: ComposedApp;
  try {
    app = composeApp({
      dataDir: path.resolve(options.dataDir),
      engine,
      host: 'browser',
      version: APP_VERSION,
      windows: pages,
      history: { transfers },
      ...(options.models ? { models: options.models } : {}),
    });
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  try {
    const { signal } = options;
    const progress = options.onLoadProgress ? { onProgress: options.onLoadProgress } : {};
    if (options.modelPath) {
      const loading = app.models.useFile(path.resolve(options.modelPath), { ...progress, ...(signal ? { signal } : {}) });
      await untilAborted(loading, signal);
    } else void app.models.loadSaved(progress); // never throws: a failure is shown in the window
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
    return {
      url: server.url,
      port: server.port,
      token: server.token,
      app,
      pages,
      log,
      close() {
        closing ??= server.close().finally(() => app.dispose().finally(() => transfers.close()));
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
