import type { WorkerMessage } from './protocol';

/** The engine process's end of the channel to its host. */
export interface WorkerPort {
  send(message: WorkerMessage): void;
  onMessage(listener: (value: unknown) => void): void;
  /** Called once if the host goes away (its end of the channel closes). */
  onHostGone(listener: () => void): void;
}

/** Electron's `process.parentPort` in a utility process (declared here: the node layer never imports Electron). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * The channel this process was started with: Electron's `parentPort` in a utility process, else the IPC channel of
 * `child_process.fork`. Throws when there is neither (the file was run on its own).
 */
export function connectToHost(): WorkerPort {
  const parentPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
      // A utility process is killed with its parent; nothing to watch.
      onHostGone: () => undefined,
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('The engine worker must be started by the app (child_process.fork or utilityProcess).');
  return {
    send: (message) => {
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', listener),
    onHostGone: (listener) => process.once('disconnect', listener),
  };
}
