import { BrowserWindow, shell, type WebContents } from 'electron';
import { externalLinkUrl } from '../common/external-links';
import { APP_ORIGIN } from '../common/ipc-channel';

/**
 * Lock a window's web contents down: no new windows (a message's web and mail links — http, https, mailto, the
 * renderer's own rule — open in the system browser or mail program), no navigation away from the app, no permission
 * prompts (camera, notifications, …), no webviews.
 */
function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalLinkUrl(url);
    if (external) void shell.openExternal(external.href);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

/** The chat window: the renderer in a sandboxed, context-isolated page with no Node access. */
export function createChatWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 520,
    minHeight: 400,
    title: 'Phi Desk',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  });
  harden(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}
