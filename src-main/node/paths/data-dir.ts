import os from 'node:os';
import path from 'node:path';

/** The product name, which is also the data folder's name (Electron's `userData` uses it too). */
export const PRODUCT_NAME = 'Phi Desk';

/**
 * Where Phi Desk keeps its data by default: the same folder Electron's `app.getPath('userData')` gives the desktop
 * app, so the browser host and the desktop app share one conversation history.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), PRODUCT_NAME);
  }
}
