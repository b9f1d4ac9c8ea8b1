/** The bridge the Electron preload exposes (`src-main/electron-preload/preload.ts`); absent in a plain browser. */
interface PhiDeskBridge {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

interface Window {
  readonly phiDesk?: PhiDeskBridge;
}
