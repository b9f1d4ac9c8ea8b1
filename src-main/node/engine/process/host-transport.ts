import type { Transport } from '../../../common/rpc';

/** Electron's `process.parentPort` in a utility process (declared here: the node layer never imports Electron). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  off(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * The engine process's end of the channel to its host, as an RPC transport: Electron's `parentPort` in a utility
 * process, else the IPC channel of `child_process.fork` (which closes if the host goes away). Throws when there is
 * neither (the file was run on its own).
 */
export function connectToHost(): Transport {
  const parentPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => {
        const onMessage = (event: { data: unknown }): void => listener(event.data);
        parentPort.on('message', onMessage);
        return () => parentPort.off('message', onMessage);
      },
      // A utility process is killed with its parent: no close to watch.
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('The engine worker must be started by the app (child_process.fork or utilityProcess).');
  return {
    send: (message) => {
      if (process.connected) send(message as never);
    },
    onMessage: (listener) => {
      process.on('message', listener);
      return () => void process.off('message', listener);
    },
    onClose: (listener) => {
      process.once('disconnect', listener);
      return () => void process.off('disconnect', listener);
    },
  };
}
