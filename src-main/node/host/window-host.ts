import type { QuickStatus } from '../../common/types';

/**
 * What the contract's window methods (`windows.*`, `quick.*`) need from the host that shows the pages: the desktop
 * app (Electron windows, a global shortcut, a tray) or the browser host (tabs it cannot move). The services decide
 * what may be done (the conversation exists, the clipboard setting is on); the host only does it.
 */
export interface WindowHost {
  /**
   * Chat windows switch to the conversation and come to the front (opening one if the host can). False when no chat
   * window shows it and the host cannot open one: the caller opens the chat page itself.
   */
  showConversation(conversationId: string): boolean;
  /** Hide the quick prompt. True when a window was hidden; false when there is none the host can hide (a tab). */
  hideQuick(): boolean;
  /** Fit the quick prompt to `contentHeight` CSS pixels of content: the window's new height, or `null` (not sized). */
  resizeQuick(contentHeight: number): number | null;
  /** The clipboard's text (`null`: it holds none), or `undefined` when the host cannot read it (the page must). */
  readClipboard(): Promise<string | null | undefined>;
  /** The global shortcut, tray and login item as they stand. */
  quickStatus(): QuickStatus;
}

/** The status of a host without global shortcuts, tray or login item (the browser host, tests). */
export const NO_DESKTOP_STATUS: QuickStatus = {
  shortcut: 'unavailable',
  accelerator: null,
  message:
    'Global shortcuts, the tray and start at login belong to the desktop app. In a browser, open the quick prompt at /quick.',
  tray: false,
  loginItem: false,
};

/** A host with no windows at all (unit tests of the services, a headless app): nothing to show, hide or size. */
export const NO_WINDOWS: WindowHost = {
  showConversation: () => false,
  hideQuick: () => false,
  resizeQuick: () => null,
  readClipboard: () => Promise.resolve(undefined),
  quickStatus: () => NO_DESKTOP_STATUS,
};
