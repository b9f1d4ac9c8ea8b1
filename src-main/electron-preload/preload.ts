import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNEL } from '../common/ipc-channel';

/**
 * The whole bridge the renderer gets: send a message to the main process, and listen for messages from it, on one
 * prefixed channel. No Node, no Electron objects, no other channel ever reach the page.
 */
const bridge = {
  send(message: unknown): void {
    ipcRenderer.send(IPC_CHANNEL, message);
  },
  onMessage(listener: (message: unknown) => void): () => void {
    const handler = (_event: IpcRendererEvent, message: unknown): void => listener(message);
    ipcRenderer.on(IPC_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('phiDesk', bridge);
