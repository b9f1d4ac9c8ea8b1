import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN } from '../../../src-main/common/ipc-channel';
import {
  chatWindowOptions,
  createChatWindow,
  createQuickWindow,
  quickWindowOptions,
  secureWebPreferences,
} from '../../../src-main/electron-main/windows';
import { fake, resetFakeElectron, type FakeBrowserWindow } from './fake-electron';

vi.mock('electron', async () => (await import('./fake-electron')).fakeElectron());

const context = (platform = 'linux', packaged = true) => ({ preloadPath: '/app/preload.cjs', packaged, platform });

beforeEach(() => resetFakeElectron());

describe('window options', () => {
  it('every window: sandboxed, context-isolated, no Node, no webviews, only the preload bridge', () => {
    for (const options of [chatWindowOptions(context()), quickWindowOptions(context())]) {
      expect(options.webPreferences).toMatchObject({
        preload: '/app/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
      });
    }
  });

  it('DevTools are off in a packaged build and on when running from the checkout', () => {
    expect(secureWebPreferences(context('linux', true)).devTools).toBe(false);
    expect(secureWebPreferences(context('linux', false)).devTools).toBe(true);
    expect(quickWindowOptions(context('win32', true)).webPreferences?.devTools).toBe(false);
  });

  it('the quick prompt: hidden at first, frameless, on top, out of the task bar, never throttled', () => {
    const options = quickWindowOptions(context());
    expect(options).toMatchObject({
      show: false,
      paintWhenInitiallyHidden: true,
      frame: false,
      alwaysOnTop: true,
      skipTaskbar: true,
      resizable: false,
      fullscreenable: false,
    });
    expect(options.webPreferences?.backgroundThrottling).toBe(false);
    expect(options.type).toBeUndefined();
    // The chat window is a normal window.
    expect(chatWindowOptions(context())).toMatchObject({ show: false, minWidth: 520 });
    expect(chatWindowOptions(context()).frame).toBeUndefined();
  });

  it('macOS: the quick prompt is a panel on every workspace, without turning Phi Desk into a Dock-less agent', () => {
    expect(quickWindowOptions(context('darwin'))).toMatchObject({ type: 'panel', hiddenInMissionControl: true });
    const quick = createQuickWindow(context('darwin')) as unknown as FakeBrowserWindow;
    expect(quick.workspaces).toEqual([[true, { visibleOnFullScreen: true, skipTransformProcessType: true }]]);
    const linux = createQuickWindow(context('linux')) as unknown as FakeBrowserWindow;
    expect(linux.workspaces).toEqual([]);
  });

  it('loads the app’s own pages: the quick prompt, and the chat window (on a conversation when asked)', () => {
    const quick = createQuickWindow(context()) as unknown as FakeBrowserWindow;
    expect(quick.url).toBe(`${APP_ORIGIN}/quick.html`);
    expect(quick.visible).toBe(false);
    const chat = createChatWindow(context()) as unknown as FakeBrowserWindow;
    expect(chat.url).toBe(`${APP_ORIGIN}/index.html`);
    const on = createChatWindow(context(), 'abc-123') as unknown as FakeBrowserWindow;
    expect(on.url).toBe(`${APP_ORIGIN}/index.html#conversation=abc-123`);
    expect(fake.windows).toHaveLength(3);
  });
});
