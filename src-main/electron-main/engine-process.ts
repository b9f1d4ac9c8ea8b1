import { utilityProcess } from 'electron';
import {
  ENGINE_PROCESS_ENV,
  keepStderrTail,
  type EngineProcessLauncher,
} from '../node/engine/process/engine-process';

/**
 * Starts the engine worker (dist/electron/engine-worker.js, built by scripts/build-electron.ts) as an Electron
 * utility process: a Node process of its own, so llama.cpp aborting or running out of memory never takes the app
 * down. It speaks the same engine contract as the forked worker of the browser host, over `process.parentPort`.
 */
export function utilityProcessLauncher(entry: string): EngineProcessLauncher {
  return () => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'Phi Desk engine',
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, ...ENGINE_PROCESS_ENV },
    });
    const stderrTail = keepStderrTail(child.stderr, true);
    // Messages posted before the process has spawned are held here and sent in order once it has.
    let queue: unknown[] | null = [];
    child.once('spawn', () => {
      for (const message of queue ?? []) child.postMessage(message);
      queue = null;
    });
    let exited = false;
    child.once('exit', () => (exited = true));
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (exited) return;
        if (queue) queue.push(message);
        else child.postMessage(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', (code) => listener({ code, signal: null })),
      stderrTail,
      kill: () => {
        child.kill();
      },
    };
  };
}
