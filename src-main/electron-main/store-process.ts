import { utilityProcess } from 'electron';
import type { StoreProcessLauncher } from '../node/host/startup/store-opener';

/**
 * Starts the process that opens the store while the window shows the start-up panel (dist/electron/store-process.js,
 * built by scripts/build-electron.ts) as an Electron utility process: a Node process of its own, so an update or a
 * recovery running for minutes never keeps the window from answering, and quitting stops it at once. Its reports come
 * on its stdout, as from the browser host's child process.
 */
export function utilityStoreProcessLauncher(entry: string): StoreProcessLauncher {
  return (argument) => {
    const child = utilityProcess.fork(entry, [argument], { serviceName: 'Phi Desk store', stdio: ['ignore', 'pipe', 'inherit'] });
    return {
      stdout: child.stdout,
      onExit: (listener) => void child.once('exit', (code) => listener(code)),
      kill: () => void child.kill(),
    };
  };
}
