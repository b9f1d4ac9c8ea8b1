/**
 * The app, as a user runs it: `startBrowserHost` with its default engine (whatever the app ships: in-process or an
 * engine child process, with or without a persisted KV cache), its own store in `dataDir`, serving the contract over
 * a WebSocket on 127.0.0.1. Runs in its own process so the benchmark can restart it and measure its memory.
 *
 * Protocol: request `{dataDir, modelPath}` → message `{kind:'ready', url, port, token, loadMs}`; then the harness
 * sends `{kind:'close'}` and gets the result `{closeMs}` once the host has closed (engine disposed, store closed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forkLauncher } from '../../../src-main/node/engine/process/engine-process';
import { createAppEngine } from '../../../src-main/node/engine/process/create-engine';
import { openAppLog } from '../../../src-main/node/logs/app-log';
import { startBrowserHost } from '../../../src-main/node/host/browser-host';
import { exitWithParent } from './worker-process';

export interface AppHostRequest {
  dataDir: string;
  modelPath: string;
  /**
   * The engine worker as the desktop app ships it (one esbuild bundle, run by plain Node): the host's own engine,
   * started from that file instead of the TypeScript source under tsx's loader (which adds ~50 MB to the process).
   */
  engineEntry?: string;
}

export interface AppHostReady {
  kind: 'ready';
  url: string;
  port: number;
  token: string;
  /** From starting the host to the model being ready. */
  loadMs: number;
}

export interface AppHostResult {
  closeMs: number;
}

exitWithParent();
process.once('message', (raw) => {
  const request = raw as AppHostRequest;
  // The client speaks the contract only; a one-line page stands in for the built renderer.
  const rendererDir = mkdtempSync(join(tmpdir(), 'phi-desk-bench-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Phi Desk</title>');
  const fail = (error: unknown): void => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    rmSync(rendererDir, { recursive: true, force: true });
    process.send?.({ kind: 'error', message }, () => process.exit(1));
  };
  const started = performance.now();
  // The app's log, as the browser host keeps it: the engine's lines (its thread changes among them) go there too.
  const log = openAppLog(request.dataDir);
  const engine = request.engineEntry
    ? createAppEngine({
        dataDir: resolve(request.dataDir),
        launch: forkLauncher({ entry: request.engineEntry }),
        onLog: (level, message) => log.write(level, message),
      })
    : undefined;
  startBrowserHost({ dataDir: request.dataDir, modelPath: request.modelPath, rendererDir, log, ...(engine ? { engine } : {}) }).then(async (host) => {
    // The host serves at once; the model (and the store) are ready a moment later.
    try {
      await Promise.all([host.ready, host.starting.modelLoaded]);
    } catch (error) {
      fail(error);
      return;
    }
    const ready: AppHostReady = {
      kind: 'ready',
      url: host.url,
      port: host.port,
      token: host.token,
      loadMs: Math.round(performance.now() - started),
    };
    process.send?.(ready);
    process.on('message', (message) => {
      if ((message as { kind?: string }).kind !== 'close') return;
      const closing = performance.now();
      host.close().then(() => {
        rmSync(rendererDir, { recursive: true, force: true });
        const value: AppHostResult = { closeMs: Math.round(performance.now() - closing) };
        process.send?.({ kind: 'result', value }, () => process.exit(0));
      }, fail);
    });
  }, fail);
});
