import type { AppCommand } from '../../common/app-commands';

/** Electron's standard menu roles the app menu uses (each does what the system's own menus do). */
export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'close'
  | 'help';

/** What the main process itself does for a menu item (the rest are roles, or commands for the chat window). */
export type MenuAction = 'toggleQuick' | 'openDataFolder' | 'showLogs';

/**
 * One entry of the application menu, as plain data. A leaf does exactly one thing: a standard `role`, a `command`
 * the chat window runs (sent as `onMenuCommand`, the same code as its button or key), or an `action` of the main
 * process. The Electron side turns this into a `Menu` (src-main/electron-main/desktop-port.ts).
 */
export interface MenuEntry {
  label?: string;
  role?: MenuRole;
  command?: AppCommand;
  action?: MenuAction;
  accelerator?: string;
  /**
   * `false`: the accelerator is only shown (it is a global shortcut registered elsewhere; registering it here too
   * would make the menu catch it only while Phi Desk has the focus).
   */
  registerAccelerator?: boolean;
  separator?: true;
  submenu?: MenuEntry[];
}

export interface AppMenuOptions {
  /** `process.platform`. */
  platform: string;
  /** The app's name, for the macOS app menu. */
  appName: string;
  /** Not packaged: the View menu gets reload and the developer tools. */
  development: boolean;
  /** The global shortcut registered now, shown beside "Quick prompt"; `null` when none is. */
  quickShortcut: string | null;
}

const separator: MenuEntry = { separator: true };

/**
 * The application menu: the standard Edit, View, Window and Help menus built from roles, and the app's own items
 * (New chat, Search, Export…, Settings, Keyboard shortcuts) with their accelerators — each sending the command its
 * button sends. The developer tools are in the menu only when the app is not packaged.
 */
export function appMenu(options: AppMenuOptions): MenuEntry[] {
  const mac = options.platform === 'darwin';
  const settings: MenuEntry = { label: mac ? 'Settings…' : 'Settings', command: 'openSettings', accelerator: 'CommandOrControl+,' };
  const quick: MenuEntry = {
    label: 'Quick prompt',
    action: 'toggleQuick',
    ...(options.quickShortcut === null ? {} : { accelerator: options.quickShortcut, registerAccelerator: false }),
  };

  const appSubmenu: MenuEntry[] = [
    { role: 'about' },
    separator,
    settings,
    separator,
    { role: 'services' },
    separator,
    { role: 'hide' },
    { role: 'hideOthers' },
    { role: 'unhide' },
    separator,
    { role: 'quit' },
  ];
  const file: MenuEntry[] = [
    { label: 'New chat', command: 'newChat', accelerator: 'CommandOrControl+N' },
    quick,
    separator,
    { label: 'Search conversations', command: 'focusSearch', accelerator: 'CommandOrControl+K' },
    { label: 'Export and import…', command: 'exportHistory', accelerator: 'CommandOrControl+Shift+E' },
    ...(mac ? [] : [separator, settings, separator, { role: 'quit' } satisfies MenuEntry]),
  ];
  const edit: MenuEntry[] = [
    { role: 'undo' },
    { role: 'redo' },
    separator,
    { role: 'cut' },
    { role: 'copy' },
    { role: 'paste' },
    { role: 'selectAll' },
  ];
  const view: MenuEntry[] = [
    ...(options.development ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, separator] as MenuEntry[] : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    separator,
    { role: 'togglefullscreen' },
  ];
  const window: MenuEntry[] = [
    { role: 'minimize' },
    { role: 'zoom' },
    ...(mac ? [separator, { role: 'front' } satisfies MenuEntry] : [{ role: 'close' } satisfies MenuEntry]),
  ];
  const help: MenuEntry[] = [
    { label: 'Keyboard shortcuts', command: 'showShortcuts', accelerator: 'CommandOrControl+/' },
    { label: 'Open the data folder', action: 'openDataFolder' },
    { label: 'Show logs', action: 'showLogs' },
    ...(mac ? [] : [separator, { role: 'about' } satisfies MenuEntry]),
  ];

  return [
    ...(mac ? [{ label: options.appName, submenu: appSubmenu }] : []),
    { label: 'File', submenu: file },
    { label: 'Edit', submenu: edit },
    { label: 'View', submenu: view },
    { label: 'Window', submenu: window },
    { label: 'Help', role: 'help', submenu: help },
  ];
}
