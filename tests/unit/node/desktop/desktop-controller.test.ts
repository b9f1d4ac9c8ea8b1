import { describe, expect, it } from 'vitest';
import { DEFAULT_QUICK_SHORTCUT } from '../../../../src-main/common/accelerator';
import { RpcError } from '../../../../src-main/common/contract';
import {
  DesktopController,
  QUICK_MAX_HEIGHT,
  QUICK_MIN_HEIGHT,
  QUICK_WIDTH,
  type DesktopSettings,
} from '../../../../src-main/node/desktop/desktop-controller';
import { FakeDesktopPort } from './fake-desktop-port';

const SETTINGS: DesktopSettings = {
  quickShortcut: DEFAULT_QUICK_SHORTCUT,
  quickShortcutEnabled: true,
  quickHideOnBlur: true,
  keepInTray: false,
  startAtLogin: false,
};

function started(settings: Partial<DesktopSettings> = {}, platform = 'linux', prepare?: (port: FakeDesktopPort) => void) {
  const port = new FakeDesktopPort(platform);
  prepare?.(port);
  const controller = new DesktopController(port, { appName: 'Phi Desk', development: false });
  const all = { ...SETTINGS, ...settings };
  controller.start(all);
  return { port, controller, settings: all };
}

/** The refusal a gate throws, or a failure if it did not throw. */
function refusal(run: () => unknown): RpcError {
  try {
    run();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('the change was not refused');
}

const trayHint = (port: FakeDesktopPort): string | undefined => port.tray?.find((entry) => entry.kind === 'text')?.label;

describe('desktop controller', () => {
  it('starts with the quick window created hidden, the shortcut registered and shown in the tray and menu', () => {
    const { port, controller } = started();
    expect(port.quickCreated).toBe(1);
    expect(port.quickVisible).toBe(false);
    expect([...port.shortcuts.keys()]).toEqual([DEFAULT_QUICK_SHORTCUT]);
    expect(controller.quickStatus()).toMatchObject({ shortcut: 'registered', accelerator: DEFAULT_QUICK_SHORTCUT, message: null, tray: true });
    expect(trayHint(port)).toBe('Quick prompt from anywhere: Ctrl+Shift+Space');
    const file = port.menu?.find((entry) => entry.label === 'File')?.submenu ?? [];
    expect(file.find((entry) => entry.label === 'Quick prompt')).toMatchObject({
      action: 'toggleQuick',
      accelerator: DEFAULT_QUICK_SHORTCUT,
      registerAccelerator: false,
    });
  });

  it('the shortcut toggles the quick prompt on the display under the mouse pointer', () => {
    const { port } = started();
    // The pointer is on a second display, right of the first.
    port.workArea = { x: 1920, y: 0, width: 1280, height: 1000 };
    port.press(DEFAULT_QUICK_SHORTCUT);
    expect(port.quickVisible).toBe(true);
    expect(port.quickBounds).toEqual({ x: 1920 + (1280 - QUICK_WIDTH) / 2, y: 200, width: QUICK_WIDTH, height: QUICK_MIN_HEIGHT });
    expect(port.pushes.filter((event) => event.type === 'onQuickShown')).toHaveLength(1);
    port.press(DEFAULT_QUICK_SHORTCUT);
    expect(port.quickVisible).toBe(false);
    // Back on the first display: it follows the pointer.
    port.workArea = { x: 0, y: 0, width: 1920, height: 1040 };
    port.press(DEFAULT_QUICK_SHORTCUT);
    expect(port.quickBounds?.x).toBe((1920 - QUICK_WIDTH) / 2);
  });

  it('fits a small screen: narrower than the screen and inside it', () => {
    const { port, controller } = started();
    port.workArea = { x: 0, y: 0, width: 500, height: 300 };
    controller.showQuick();
    const bounds = port.quickBounds!;
    expect(bounds.width).toBe(500 - 32);
    expect(bounds.x).toBe(16);
    expect(bounds.y + bounds.height).toBeLessThanOrEqual(300);
  });

  it('re-registers on a change: the new chord first, then the old one is released; tray and status follow', () => {
    const { port, controller, settings } = started();
    port.calls.length = 0;
    controller.gateSettings({ ...settings, quickShortcut: 'Control+Alt+K' }, settings);
    expect(port.calls).toEqual(['register Control+Alt+K', `unregister ${DEFAULT_QUICK_SHORTCUT}`]);
    expect([...port.shortcuts.keys()]).toEqual(['Control+Alt+K']);
    expect(trayHint(port)).toBe('Quick prompt from anywhere: Ctrl+Alt+K');
    expect(port.pushes.at(-1)).toEqual({
      type: 'onQuickStatus',
      status: expect.objectContaining({ shortcut: 'registered', accelerator: 'Control+Alt+K', message: null }),
    });
    port.press('Control+Alt+K');
    expect(port.quickVisible).toBe(true);
    // The same chord again changes nothing.
    port.calls.length = 0;
    controller.gateSettings({ ...settings, quickShortcut: 'Control+Alt+K' }, settings);
    expect(port.calls).toEqual([]);
  });

  it('a chord another program holds is refused in words and the previous chord keeps working', () => {
    const { port, controller, settings } = started();
    port.taken.add('Control+Alt+K');
    const error = refusal(() => controller.gateSettings({ ...settings, quickShortcut: 'Control+Alt+K' }, settings));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Ctrl\+Alt\+K could not be set as the quick-prompt shortcut: another program may be using it\./);
    expect(error.message).toContain('Phi Desk keeps Ctrl+Shift+Space.');
    expect(error.details).toEqual({ reason: 'SHORTCUT_TAKEN', field: 'quickShortcut' });
    expect([...port.shortcuts.keys()]).toEqual([DEFAULT_QUICK_SHORTCUT]);
    port.press(DEFAULT_QUICK_SHORTCUT);
    expect(port.quickVisible).toBe(true);
    // The status says so (the Settings dialog shows it) until the next change.
    expect(controller.quickStatus()).toMatchObject({ shortcut: 'registered', accelerator: DEFAULT_QUICK_SHORTCUT });
    expect(controller.quickStatus().message).toBe(error.message);
    expect(port.pushes.findLast((event) => event.type === 'onQuickStatus')).toMatchObject({ status: { message: error.message } });
    controller.gateSettings({ ...settings, quickShortcut: 'Control+Alt+J' }, settings);
    expect(controller.quickStatus()).toMatchObject({ accelerator: 'Control+Alt+J', message: null });
  });

  it('saving other settings never fails on a chord refused earlier, and does not touch the shortcut', () => {
    const { port, controller, settings } = started({}, 'linux', (p) => p.taken.add(DEFAULT_QUICK_SHORTCUT));
    port.calls.length = 0;
    expect(() => controller.gateSettings({ ...settings, quickHideOnBlur: false }, settings)).not.toThrow();
    expect(port.calls).toEqual([]);
    expect(controller.quickStatus().shortcut).toBe('failed');
  });

  it('the undo a gate returns puts the previous chord back (the change could not be stored)', () => {
    const { port, controller, settings } = started();
    const undo = controller.gateSettings({ ...settings, quickShortcut: 'Control+Alt+K' }, settings);
    expect(typeof undo).toBe('function');
    (undo as () => void)();
    expect([...port.shortcuts.keys()]).toEqual([DEFAULT_QUICK_SHORTCUT]);
    expect(controller.quickStatus().accelerator).toBe(DEFAULT_QUICK_SHORTCUT);
  });

  it('turned off, it registers nothing; the tray says so; turned on again, it registers', () => {
    const { port, controller, settings } = started({ quickShortcutEnabled: false });
    expect(port.calls.filter((call) => call.startsWith('register'))).toEqual([]);
    expect(port.shortcuts.size).toBe(0);
    expect(controller.quickStatus()).toMatchObject({ shortcut: 'off', accelerator: null });
    expect(trayHint(port)).toBe('No global shortcut: set one in Settings');
    const on = { ...settings, quickShortcutEnabled: true };
    controller.gateSettings(on, settings);
    expect([...port.shortcuts.keys()]).toEqual([DEFAULT_QUICK_SHORTCUT]);
    controller.gateSettings({ ...settings, quickShortcutEnabled: false }, on);
    expect(port.shortcuts.size).toBe(0);
    expect(controller.quickStatus().shortcut).toBe('off');
  });

  it('a shortcut refused at start is reported with the fallbacks (Wayland portal, tray, phi-desk --quick); the app still starts', () => {
    const { port, controller } = started({}, 'linux', (p) => p.taken.add(DEFAULT_QUICK_SHORTCUT));
    const status = controller.quickStatus();
    expect(status.shortcut).toBe('failed');
    expect(status.accelerator).toBeNull();
    expect(status.message).toMatch(/Ctrl\+Shift\+Space could not be set/);
    expect(status.message).toMatch(/Wayland/);
    expect(status.message).toMatch(/tray icon’s Quick prompt/);
    expect(status.message).toContain('phi-desk --quick');
    expect(port.quickCreated).toBe(1);
    expect(port.tray).not.toBeNull();
    // The tray still opens the quick prompt.
    controller.runTrayAction('toggleQuick');
    expect(port.quickVisible).toBe(true);
  });

  it('quit unregisters the shortcut and removes the tray before quitting; stopping twice is harmless', () => {
    const { port, controller } = started();
    controller.quit();
    expect(port.shortcuts.size).toBe(0);
    expect(port.calls.at(-1)).toBe(`unregister ${DEFAULT_QUICK_SHORTCUT}`);
    expect(port.tray).toBeNull();
    expect(port.quitCalled).toBe(1);
    controller.stop();
    expect(port.calls.filter((call) => call.startsWith('unregister'))).toHaveLength(1);
    // Nothing registers after stopping.
    controller.gateSettings({ ...SETTINGS, quickShortcut: 'Control+Alt+K' }, SETTINGS);
    expect(port.shortcuts.size).toBe(0);
  });

  it('`phi-desk --quick` from a second launch shows the quick prompt; a plain launch brings the chat window', () => {
    const { port, controller } = started();
    controller.secondInstance(['/usr/bin/phi-desk', '--quick']);
    expect(port.quickVisible).toBe(true);
    expect(port.mainShown).toBe(0);
    controller.secondInstance(['/usr/bin/phi-desk']);
    expect(port.mainShown).toBe(1);
  });

  it('Esc hides; on macOS the focus goes back to the app used before, unless it was called from Phi Desk itself', () => {
    const { port, controller } = started({}, 'darwin');
    controller.showQuick();
    expect(controller.hideQuick()).toBe(true);
    expect(port.quickVisible).toBe(false);
    expect(port.focusReturned).toBe(1);
    expect(controller.hideQuick()).toBe(false); // already hidden

    port.mainOpen = true;
    port.mainFocused = true;
    controller.showQuick();
    controller.hideQuick();
    expect(port.focusReturned).toBe(1);

    const other = started({}, 'win32');
    other.controller.showQuick();
    other.controller.hideQuick();
    expect(other.port.focusReturned).toBe(0);
  });

  it('hides on blur while the setting is on, not when it is off', () => {
    const { port, controller, settings } = started();
    controller.showQuick();
    port.quickBlur?.();
    expect(port.quickVisible).toBe(false);
    controller.settingsChanged({ ...settings, quickHideOnBlur: false });
    controller.showQuick();
    port.quickBlur?.();
    expect(port.quickVisible).toBe(true);
  });

  it('grows with the answer up to a maximum (then the page scrolls), never below the prompt box', () => {
    const { port, controller } = started();
    controller.showQuick();
    expect(controller.resizeQuick(300)).toBe(300);
    expect(port.quickBounds?.height).toBe(300);
    expect(controller.resizeQuick(5000)).toBe(QUICK_MAX_HEIGHT);
    expect(controller.resizeQuick(10)).toBe(QUICK_MIN_HEIGHT);
    // On a short display the cap is a share of it.
    port.workArea = { x: 0, y: 0, width: 1280, height: 600 };
    controller.showQuick();
    expect(controller.resizeQuick(5000)).toBe(420);
    expect(port.quickBounds!.y + port.quickBounds!.height).toBeLessThanOrEqual(600);
  });

  it('"Continue in Phi Desk": an open chat window is told to switch and comes forward; a closed one opens on it', () => {
    const { port, controller } = started();
    controller.showQuick();
    expect(controller.showConversation('c1')).toBe(true);
    expect(port.mainOpenedOn).toEqual(['c1']);
    expect(port.pushes.some((event) => event.type === 'onShowConversation')).toBe(false);
    expect(port.quickVisible).toBe(false);

    controller.showQuick();
    controller.showConversation('c2');
    expect(port.mainOpenedOn).toEqual(['c1']);
    expect(port.pushes.at(-1)).toEqual({ type: 'onShowConversation', conversationId: 'c2' });
    expect(port.mainShown).toBe(2);
    expect(port.quickVisible).toBe(false);
  });

  it('closing the chat window quits, unless the app keeps running in a tray it has (macOS keeps running)', () => {
    const closing = (settings: Partial<DesktopSettings>, platform = 'linux', trayAvailable = true) => {
      const { port, controller } = started(settings, platform, (p) => (p.trayAvailable = trayAvailable));
      controller.mainWindowClosed();
      return port;
    };
    expect(closing({ keepInTray: false }).quitCalled).toBe(1);
    expect(closing({ keepInTray: true }).quitCalled).toBe(0);
    expect(closing({ keepInTray: true }, 'linux', false).quitCalled).toBe(1);
    expect(closing({ keepInTray: false }, 'darwin').quitCalled).toBe(0);
    const quitting = closing({ keepInTray: false });
    expect(quitting.shortcuts.size).toBe(0);
  });

  it('applies "start at login" where the system supports it, at start and when it changes', () => {
    const { port, controller, settings } = started({ startAtLogin: true });
    expect(port.loginItem).toBe(true);
    controller.settingsChanged({ ...settings, startAtLogin: false });
    expect(port.loginItem).toBe(false);
    const unsupported = started({ startAtLogin: true }, 'linux', (p) => (p.loginSupported = false));
    expect(unsupported.port.loginItem).toBeNull();
    expect(unsupported.controller.quickStatus().loginItem).toBe(false);
  });

  it('menu items for the chat window bring it forward, then send the command; main-process items run here', async () => {
    const { port, controller } = started();
    await controller.sendCommand('openSettings');
    expect(port.mainOpenedOn).toEqual([undefined]);
    expect(port.pushes.at(-1)).toEqual({ type: 'onMenuCommand', command: 'openSettings' });
    controller.runMenuAction('openDataFolder');
    expect(port.dataFolderOpened).toBe(1);
    controller.runMenuAction('showLogs');
    expect([port.logsShown, port.dataFolderOpened]).toEqual([1, 1]);
    controller.runMenuAction('toggleQuick');
    expect(port.quickVisible).toBe(true);
  });

  it('reads the clipboard through the port; an empty clipboard is no text', async () => {
    const { port, controller } = started();
    expect(await controller.readClipboard()).toBeNull();
    port.clipboard = 'Some copied words';
    expect(await controller.readClipboard()).toBe('Some copied words');
  });
});
