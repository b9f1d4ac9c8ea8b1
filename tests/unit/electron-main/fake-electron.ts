import { EventEmitter } from 'node:events';

/**
 * A stand-in for the `electron` module, enough for src-main/electron-main to be loaded and exercised under Node:
 * every object records what the app asked of it. Tests install it with
 * `vi.mock('electron', async () => (await import('./fake-electron')).fakeElectron())`.
 * It does not imitate Electron's behaviour beyond keeping state; it is a witness of the app's settings.
 */

/** A web contents: its handlers and listeners, and the calls made on it. */
export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: unknown[] = [];
  focused = 0;
  destroyed = false;
  readonly mainFrame = { url: '' };

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  /** Emit a cancellable event the way Electron does; true when a listener prevented it. */
  cancellable(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }

  send(channel: string, message: unknown): void {
    this.sent.push([channel, message]);
  }

  focus(): void {
    this.focused++;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** A session: the permission handlers and spellchecker settings set on it, and every method called. */
export class FakeSession {
  permissionRequestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null =
    null;
  permissionCheckHandler: ((contents: unknown, permission: string, origin: string, details: unknown) => boolean) | null = null;
  spellCheckerEnabled: boolean | null = null;
  dictionaryDownloadUrl: string | null = null;
  /** Every method called, by name, in order. */
  readonly calls: string[] = [];

  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.calls.push('setPermissionRequestHandler');
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.calls.push('setPermissionCheckHandler');
    this.permissionCheckHandler = handler;
  }

  setSpellCheckerEnabled(enabled: boolean): void {
    this.calls.push('setSpellCheckerEnabled');
    this.spellCheckerEnabled = enabled;
  }

  setSpellCheckerDictionaryDownloadURL(url: string): void {
    this.calls.push('setSpellCheckerDictionaryDownloadURL');
    this.dictionaryDownloadUrl = url;
  }
}

export interface FakeElectronState {
  app: EventEmitter & { quitCalls: number; hideCalls: number; loginItem: unknown };
  /** Chords registered with `globalShortcut`, and those another program holds. */
  shortcuts: Map<string, () => void>;
  takenShortcuts: Set<string>;
  trays: { menu: { template: unknown[] } | null; destroyed: boolean }[];
  clipboardText: string;
  windows: FakeBrowserWindow[];
  shell: { opened: string[]; paths: string[] };
  menus: unknown[][];
  session: FakeSession;
}

/** The state shared by the fake module and the test (reset with {@link resetFakeElectron}). */
export const fake: FakeElectronState = {
  app: Object.assign(new EventEmitter(), { quitCalls: 0, hideCalls: 0, loginItem: null as unknown }),
  windows: [],
  shell: { opened: [], paths: [] },
  menus: [],
  session: new FakeSession(),
  shortcuts: new Map(),
  takenShortcuts: new Set(),
  trays: [],
  clipboardText: '',
};

export function resetFakeElectron(): void {
  fake.app.removeAllListeners();
  fake.app.quitCalls = 0;
  fake.app.hideCalls = 0;
  fake.app.loginItem = null;
  fake.windows.length = 0;
  fake.shell.opened.length = 0;
  fake.shell.paths.length = 0;
  fake.menus.length = 0;
  fake.session = new FakeSession();
  fake.shortcuts.clear();
  fake.takenShortcuts.clear();
  fake.trays.length = 0;
  fake.clipboardText = '';
}

/** A window: its options, URL, bounds and visibility; creating one creates its web contents (as Electron does). */
export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  url = '';
  visible = false;
  bounds = { x: 0, y: 0, width: 0, height: 0 };
  workspaces: unknown[] = [];
  destroyed = false;

  constructor(readonly options: Record<string, unknown>) {
    super();
    fake.windows.push(this);
    this.bounds = { x: 0, y: 0, width: Number(options.width ?? 0), height: Number(options.height ?? 0) };
    fake.app.emit('web-contents-created', {}, this.webContents);
  }

  /** Loads at once: the page has finished loading on the next tick. */
  loadURL(url: string): Promise<void> {
    this.url = url;
    setTimeout(() => this.webContents.emit('did-finish-load'), 0);
    return Promise.resolve();
  }

  setVisibleOnAllWorkspaces(...args: unknown[]): void {
    this.workspaces.push(args);
  }

  show(): void {
    this.visible = true;
  }

  hide(): void {
    this.visible = false;
  }

  focus(): void {}
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return false;
  }
  isFocused(): boolean {
    return false;
  }
  restore(): void {}
  setBounds(bounds: FakeBrowserWindow['bounds']): void {
    this.bounds = bounds;
  }
  getSize(): number[] {
    return [this.bounds.width, this.bounds.height];
  }
  setSize(width: number, height: number): void {
    this.bounds = { ...this.bounds, width, height };
  }
}

/** The module object `vi.mock('electron', …)` returns. */
export function fakeElectron(): Record<string, unknown> {
  return {
    app: Object.assign(fake.app, {
      quit: () => void fake.app.quitCalls++,
      hide: () => void fake.app.hideCalls++,
      setLoginItemSettings: (settings: unknown) => void (fake.app.loginItem = settings),
    }),
    BrowserWindow: FakeBrowserWindow,
    shell: {
      openExternal: (url: string) => {
        fake.shell.opened.push(url);
        return Promise.resolve();
      },
      openPath: (path: string) => {
        fake.shell.paths.push(path);
        return Promise.resolve('');
      },
    },
    Menu: {
      buildFromTemplate: (template: unknown[]) => ({ template }),
      setApplicationMenu: (menu: { template: unknown[] }) => void fake.menus.push(menu.template),
    },
    ipcMain: { on: () => {}, off: () => {} },
    globalShortcut: {
      register: (accelerator: string, callback: () => void) => {
        if (fake.takenShortcuts.has(accelerator)) return false;
        fake.shortcuts.set(accelerator, callback);
        return true;
      },
      unregister: (accelerator: string) => void fake.shortcuts.delete(accelerator),
    },
    Tray: class {
      readonly record: FakeElectronState['trays'][number] = { menu: null, destroyed: false };
      constructor() {
        fake.trays.push(this.record);
      }
      setToolTip(): void {}
      setContextMenu(menu: { template: unknown[] }): void {
        this.record.menu = menu;
      }
      destroy(): void {
        this.record.destroyed = true;
      }
    },
    nativeImage: {
      createFromPath: () => ({ isEmpty: () => true, resize: () => ({}) }),
    },
    screen: {
      getCursorScreenPoint: () => ({ x: 100, y: 100 }),
      getDisplayNearestPoint: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }),
    },
    clipboard: { readText: () => Promise.resolve(fake.clipboardText) },
    get session() {
      return { defaultSession: fake.session };
    },
  };
}
