import { describe, expect, it } from 'vitest';
import { parseAccelerator, DEFAULT_QUICK_SHORTCUT } from '../../../../src-main/common/accelerator';
import { APP_COMMANDS } from '../../../../src-main/common/app-commands';
import { appMenu, type MenuEntry } from '../../../../src-main/node/desktop/app-menu';
import { trayMenu } from '../../../../src-main/node/desktop/tray-menu';

const build = (platform: string, development = false) =>
  appMenu({ platform, appName: 'Phi Desk', development, quickShortcut: DEFAULT_QUICK_SHORTCUT });

/** Every item that does something (not separators or submenus), with the path of menus above it. */
function leaves(entries: MenuEntry[], path: string[] = []): { path: string; entry: MenuEntry }[] {
  return entries.flatMap((entry) => {
    if (entry.separator) return [];
    const here = [...path, entry.label ?? entry.role ?? '?'];
    return entry.submenu ? leaves(entry.submenu, here) : [{ path: here.join(' › '), entry }];
  });
}

const menu = (entries: MenuEntry[], label: string): MenuEntry[] => entries.find((entry) => entry.label === label)?.submenu ?? [];

describe('application menu', () => {
  for (const platform of ['darwin', 'win32', 'linux']) {
    it(`${platform}: every item does exactly one thing — a standard role, a command the chat window runs, or a main-process action`, () => {
      for (const { path, entry } of leaves(build(platform))) {
        const does = [entry.role, entry.command, entry.action].filter((what) => what !== undefined);
        expect(does, path).toHaveLength(1);
        if (entry.command !== undefined) expect(APP_COMMANDS, path).toContain(entry.command);
        if (entry.command !== undefined || entry.action !== undefined) expect(entry.label, path).toBeTruthy();
      }
    });

    it(`${platform}: every app command is in the menu once, with the accelerator of its key in the window`, () => {
      const commands = leaves(build(platform)).filter(({ entry }) => entry.command !== undefined);
      expect(commands.map(({ entry }) => entry.command).sort()).toEqual([...APP_COMMANDS].sort());
      const accelerators = Object.fromEntries(commands.map(({ entry }) => [entry.command, entry.accelerator]));
      expect(accelerators).toEqual({
        newChat: 'CommandOrControl+N',
        focusSearch: 'CommandOrControl+K',
        showShortcuts: 'CommandOrControl+/',
        openSettings: 'CommandOrControl+,',
        exportHistory: 'CommandOrControl+Shift+E',
      });
    });

    it(`${platform}: accelerators are valid and no two items share one`, () => {
      const all = leaves(build(platform)).flatMap(({ entry }) => (entry.accelerator === undefined ? [] : [entry.accelerator]));
      for (const accelerator of all) expect(parseAccelerator(accelerator).ok, accelerator).toBe(true);
      expect(new Set(all).size).toBe(all.length);
    });
  }

  it('has the standard Edit, View, Window and Help menus', () => {
    const entries = build('linux');
    expect(entries.map((entry) => entry.label)).toEqual(['File', 'Edit', 'View', 'Window', 'Help']);
    expect(menu(entries, 'Edit').flatMap((e) => (e.role ? [e.role] : []))).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']);
    expect(menu(entries, 'View').flatMap((e) => (e.role ? [e.role] : []))).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
    expect(menu(entries, 'Help').map((e) => e.label ?? e.role ?? '—')).toEqual([
      'Keyboard shortcuts',
      'Open the data folder',
      'Show logs',
      '—',
      'about',
    ]);
    expect(menu(entries, 'File').map((e) => e.label ?? e.role ?? '—')).toEqual([
      'New chat',
      'Quick prompt',
      '—',
      'Search conversations',
      'Export and import…',
      '—',
      'Settings',
      '—',
      'quit',
    ]);
  });

  it('macOS: an app menu with About, Settings…, Services, Hide and Quit', () => {
    const entries = build('darwin');
    expect(entries[0]?.label).toBe('Phi Desk');
    expect(menu(entries, 'Phi Desk').map((e) => e.label ?? e.role ?? '—')).toEqual([
      'about',
      '—',
      'Settings…',
      '—',
      'services',
      '—',
      'hide',
      'hideOthers',
      'unhide',
      '—',
      'quit',
    ]);
    expect(menu(entries, 'File').some((e) => e.command === 'openSettings')).toBe(false);
  });

  it('the developer tools and reload are in the menu only when the app is not packaged', () => {
    const roles = (development: boolean) => leaves(build('linux', development)).map(({ entry }) => entry.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('reload');
    expect(roles(true)).toEqual(expect.arrayContaining(['toggleDevTools', 'reload', 'forceReload']));
  });

  it('shows the global shortcut beside "Quick prompt" without registering it a second time; none when there is none', () => {
    const quick = (shortcut: string | null) =>
      menu(appMenu({ platform: 'linux', appName: 'Phi Desk', development: false, quickShortcut: shortcut }), 'File').find(
        (e) => e.label === 'Quick prompt',
      );
    expect(quick('Control+Alt+K')).toEqual({ label: 'Quick prompt', action: 'toggleQuick', accelerator: 'Control+Alt+K', registerAccelerator: false });
    expect(quick(null)).toEqual({ label: 'Quick prompt', action: 'toggleQuick' });
  });
});

describe('tray menu', () => {
  it('opens Phi Desk, the quick prompt, reminds of the shortcut, and quits', () => {
    expect(trayMenu({ platform: 'other', shortcut: DEFAULT_QUICK_SHORTCUT })).toEqual([
      { kind: 'action', label: 'Open Phi Desk', action: 'openMain' },
      { kind: 'action', label: 'Quick prompt', action: 'toggleQuick' },
      { kind: 'text', label: 'Quick prompt from anywhere: Ctrl+Shift+Space' },
      { kind: 'separator' },
      { kind: 'action', label: 'Quit Phi Desk', action: 'quit' },
    ]);
    expect(trayMenu({ platform: 'mac', shortcut: DEFAULT_QUICK_SHORTCUT })[2]).toEqual({
      kind: 'text',
      label: 'Quick prompt from anywhere: ⇧⌘Space',
    });
    expect(trayMenu({ platform: 'other', shortcut: null })[2]).toEqual({ kind: 'text', label: 'No global shortcut: set one in Settings' });
  });
});
