/**
 * The browser host as the start-up benchmark runs it: `startBrowserHost` with the app's own engine and store, run from
 * an esbuild bundle by plain Node (as the desktop app runs its main process and the store's process), telling the
 * benchmark on stdout, one JSON line each: `{t:'listening', url}` as soon as it serves, `{t:'ready'}` once the
 * conversations are open, `{t:'checked', verdict}` once the background check is done (or `{t:'failed', message}`).
 * SIGINT closes it, after `{t:'closing', loopDelayMaxMs}`: the longest its event loop was held up since it started
 * (Node's own measure; it includes the time the process was not given the CPU on a busy machine).
 *
 * Usage: node startup-host.js <data dir> <renderer dir>
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBrowserHost } from '../../../src-main/node/host/browser-host';

const tell = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
const [dataDir, rendererDir] = process.argv.slice(2);
if (!dataDir || !rendererDir) throw new Error('usage: startup-host.js <data dir> <renderer dir>');

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const host = await startBrowserHost({ dataDir, rendererDir });
tell({ t: 'listening', url: host.url });
host.ready.then(
  (app) => {
    tell({ t: 'ready' });
    void app.store.checked.then((verdict) => tell({ t: 'checked', verdict: verdict.state }));
  },
  (error: unknown) => tell({ t: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
process.on('SIGINT', () => {
  tell({ t: 'closing', loopDelayMaxMs: Math.round(loop.max / 1e6) });
  void host.close().finally(() => process.exit(0));
});
