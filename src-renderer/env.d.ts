/** The bridge the Electron preload exposes (`src-main/electron-preload/preload.ts`); absent in a plain browser. */
interface PhiDeskBridge {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

interface Window {
  readonly phiDesk?: PhiDeskBridge;
}

/** highlight.js ships no types for its single-language modules; each exports one language definition. */
declare module 'highlight.js/lib/languages/*' {
  import type { LanguageFn } from 'highlight.js';
  const language: LanguageFn;
  export default language;
}
