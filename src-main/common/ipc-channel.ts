/** The one Electron IPC channel the contract travels on. Main ignores every other channel. */
export const IPC_CHANNEL = 'phi-desk:rpc';

/** The custom scheme the desktop app serves its renderer from (`phi-desk://app/index.html`). */
export const APP_SCHEME = 'phi-desk';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
