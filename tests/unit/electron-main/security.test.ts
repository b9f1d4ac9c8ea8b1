import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN } from '../../../src-main/common/ipc-channel';
import { configureSession, guardAllWebContents, NO_DICTIONARY_DOWNLOAD_URL } from '../../../src-main/electron-main/security';
import { createChatWindow, createQuickWindow } from '../../../src-main/electron-main/windows';
import { fake, FakeSession, FakeWebContents, resetFakeElectron } from './fake-electron';

// The desktop app's security checklist, proven against a fake `electron` module (no Electron binary needed): what
// the app asks of Electron is recorded and checked.
vi.mock('electron', async () => (await import('./fake-electron')).fakeElectron());

const context = (platform: string) => ({ preloadPath: '/app/preload.cjs', packaged: true, platform });

beforeEach(() => resetFakeElectron());

/** What a hardened web contents does with a link, a navigation, a redirect and a webview. */
function behaviour(contents: FakeWebContents) {
  return {
    windowOpen: (url: string) => contents.windowOpenHandler?.({ url }).action ?? 'allow',
    navigationBlocked: (url: string) => contents.cancellable('will-navigate', url),
    redirectBlocked: (url: string) => contents.cancellable('will-redirect', url),
    webviewBlocked: () => contents.cancellable('will-attach-webview', {}, {}),
  };
}

describe('app-wide web contents guard', () => {
  it('hardens every window the moment its web contents exists — the chat window and the quick prompt alike', () => {
    guardAllWebContents();
    const chat = createChatWindow(context('linux'));
    const quick = createQuickWindow(context('linux'));
    for (const window of [chat, quick] as unknown as { webContents: FakeWebContents }[]) {
      const page = behaviour(window.webContents);
      // No new windows: a web or mail link goes to the system browser or mail program, nothing else goes anywhere.
      expect(page.windowOpen('https://example.org/docs')).toBe('deny');
      expect(page.windowOpen('http://example.org/')).toBe('deny');
      expect(page.windowOpen('mailto:someone@example.org')).toBe('deny');
      expect(page.windowOpen('file:///etc/passwd')).toBe('deny');
      expect(page.windowOpen('javascript:alert(1)')).toBe('deny');
      expect(page.windowOpen(`${APP_ORIGIN}/index.html`)).toBe('deny');
      // Navigation and redirects stay inside the app's own pages.
      expect(page.navigationBlocked(`${APP_ORIGIN}/index.html#conversation=c1`)).toBe(false);
      expect(page.navigationBlocked('https://evil.example/')).toBe(true);
      expect(page.navigationBlocked('file:///home/me/')).toBe(true);
      expect(page.navigationBlocked('phi-desk://other/index.html')).toBe(true);
      expect(page.redirectBlocked('https://evil.example/')).toBe(true);
      expect(page.webviewBlocked()).toBe(true);
    }
    const opened = ['https://example.org/docs', 'http://example.org/', 'mailto:someone@example.org'];
    expect(fake.shell.opened).toEqual([...opened, ...opened]);
  });

  it('covers web contents nobody asked for too (a devtools or a stray window a bug might make)', () => {
    guardAllWebContents();
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(behaviour(contents).windowOpen('https://example.org/')).toBe('deny');
    expect(behaviour(contents).navigationBlocked('https://example.org/')).toBe(true);
  });
});

describe('session', () => {
  const permissions = ['media', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'geolocation', 'openExternal', 'hid'];

  it('denies every permission request and answers no to every permission check', () => {
    const session = new FakeSession();
    configureSession(session as never, 'linux');
    for (const permission of permissions) {
      let granted: boolean | undefined;
      session.permissionRequestHandler?.({}, permission, (answer) => (granted = answer), {});
      expect(granted, permission).toBe(false);
      expect(session.permissionCheckHandler?.({}, permission, APP_ORIGIN, {}), permission).toBe(false);
    }
  });

  for (const platform of ['linux', 'win32']) {
    it(`${platform}: makes no outbound request — the spellchecker (Hunspell from Google's CDN) is off, and its download address is a closed port here`, () => {
      const session = new FakeSession();
      configureSession(session as never, platform);
      expect(session.spellCheckerEnabled).toBe(false);
      const url = new URL(session.dictionaryDownloadUrl ?? '');
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.port).toBe('9');
      expect(session.dictionaryDownloadUrl).toBe(NO_DICTIONARY_DOWNLOAD_URL);
      // Nothing else that could fetch was configured: only these four settings were touched.
      expect([...session.calls].sort()).toEqual([
        'setPermissionCheckHandler',
        'setPermissionRequestHandler',
        'setSpellCheckerDictionaryDownloadURL',
        'setSpellCheckerEnabled',
      ]);
      // And the pages themselves do not ask for spellchecking.
      const chat = createChatWindow(context(platform)) as unknown as { options: { webPreferences: { spellcheck: boolean } } };
      const quick = createQuickWindow(context(platform)) as unknown as { options: { webPreferences: { spellcheck: boolean } } };
      expect(chat.options.webPreferences.spellcheck).toBe(false);
      expect(quick.options.webPreferences.spellcheck).toBe(false);
    });
  }

  it('macOS: the system spellchecker (nothing downloaded) stays on', () => {
    const session = new FakeSession();
    configureSession(session as never, 'darwin');
    expect(session.spellCheckerEnabled).toBe(true);
    expect(session.dictionaryDownloadUrl).toBeNull();
    const chat = createChatWindow(context('darwin')) as unknown as { options: { webPreferences: { spellcheck: boolean } } };
    expect(chat.options.webPreferences.spellcheck).toBe(true);
  });
});
