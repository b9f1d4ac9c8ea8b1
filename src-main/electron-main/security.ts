import { app, shell, type Session, type WebContents } from 'electron';
import { externalLinkUrl } from '../common/external-links';
import { APP_ORIGIN } from '../common/ipc-channel';

/**
 * The desktop app's security settings in one place, applied to every window it will ever have (the chat window, the
 * quick prompt, anything a bug might open): proven by tests/unit/electron-main/security.test.ts against a fake
 * `electron` module, since the Electron binary is not needed to check what the app asks of it.
 */

/**
 * Where Chromium would download spellcheck dictionaries from: a closed port on this machine. Windows and Linux fetch
 * Hunspell dictionaries from Google's CDN by default — the app promises no connection at all, so there the
 * spellchecker is off, and this address makes sure that nothing turning it back on can reach the network either.
 * (macOS uses the system's own spellchecker and downloads nothing; Electron ignores this URL there.)
 */
export const NO_DICTIONARY_DOWNLOAD_URL = 'http://127.0.0.1:9/phi-desk-downloads-no-dictionaries/';

/** The spellchecker is on only where it never downloads anything: macOS's own. */
export function spellcheckAllowed(platform: string): boolean {
  return platform === 'darwin';
}

/**
 * Lock one web contents down: no new windows (a message's web and mail links — http, https, mailto, the renderer's
 * own rule in `common/external-links.ts` — open in the system browser or mail program instead), no navigation or
 * redirect away from the app's own pages, no webviews.
 */
export function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalLinkUrl(url);
    if (external) void shell.openExternal(external.href);
    return { action: 'deny' };
  });
  const stayInApp = (event: { preventDefault(): void }, url: string): void => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * App-wide: every web contents created from now on is hardened the moment it exists (`web-contents-created`), so no
 * window — present or future — depends on its creator remembering to. Call before any window is made.
 */
export function guardAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
}

/**
 * The session every window uses: every permission request (camera, microphone, notifications, clipboard read,
 * geolocation, …) is denied, and every permission check answers no; the spellchecker runs only where it never reaches
 * the network (see {@link NO_DICTIONARY_DOWNLOAD_URL}). Copying still works: the page falls back to the `copy`
 * command, which needs no permission inside a click.
 */
export function configureSession(session: Session, platform: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  const spellcheck = spellcheckAllowed(platform);
  session.setSpellCheckerEnabled(spellcheck);
  if (!spellcheck) session.setSpellCheckerDictionaryDownloadURL(NO_DICTIONARY_DOWNLOAD_URL);
}
