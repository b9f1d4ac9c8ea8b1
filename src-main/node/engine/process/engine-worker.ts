/**
 * The engine process's entry point: runs a `LlamaEngine` for the host that started it (a `child_process.fork` from
 * the browser host, tests and `npm run serve`; an Electron `utilityProcess` in the desktop app, bundled to
 * dist/electron/engine-worker.js). llama.cpp runs only here, so a native abort, an out-of-memory kill or a model that
 * trips an assert takes down this process and never the app.
 */
import { LlamaEngine } from '../llama-engine';
import { connectToHost } from './host-transport';
import { serveEngine } from './engine-server';

// Ctrl+C in a terminal signals the whole process group: the host decides when this process ends (it sends `dispose`,
// and if the host itself dies the IPC channel closes and the worker leaves on its own).
process.on('SIGINT', () => undefined);

serveEngine(
  connectToHost(),
  (options, onLog) => new LlamaEngine({ ...options, onLog }),
  () => {
    // Close the channel (pending messages are still delivered), then leave even if a native handle lingers.
    setTimeout(() => process.exit(0), 200).unref();
    if (process.connected) process.disconnect();
  },
);
