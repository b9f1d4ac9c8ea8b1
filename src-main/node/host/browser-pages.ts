import type { AppServer } from '../../common/app-rpc';
import type { QuickStatus } from '../../common/types';
import { NO_DESKTOP_STATUS, type WindowHost } from './window-host';

/** Which page a browser-host connection serves: the chat page (`/`) or the quick prompt (`/quick`). */
export type PageKind = 'chat' | 'quick';

/** The page kind a connection names in its URL (`/rpc?token=…&page=quick`); anything else is the chat page. */
export function pageKind(value: string | null): PageKind {
  return value === 'quick' ? 'quick' : 'chat';
}

/**
 * The browser host's {@link WindowHost}: the pages connected to it, by kind. A browser tab cannot be moved, shown or
 * hidden by the host, so:
 * - "Continue in Phi Desk" switches every connected chat page to the conversation (`onShowConversation`); with none
 *   connected it answers `false`, and the quick page opens the chat page on the conversation itself;
 * - the quick page's "hide" is recorded ({@link quickHides}) and answered `false`: the page shows its hidden state;
 * - the clipboard is read by the page (with the browser's permission), not here.
 */
export class BrowserPages implements WindowHost {
  readonly #sessions = new Map<AppServer, PageKind>();
  #quickHides = 0;

  /** A connection opened for a page of this kind. */
  add(session: AppServer, kind: PageKind): void {
    this.#sessions.set(session, kind);
  }

  /** Its connection closed. */
  remove(session: AppServer): void {
    this.#sessions.delete(session);
  }

  /** How many pages of this kind are connected. */
  count(kind: PageKind): number {
    let count = 0;
    for (const each of this.#sessions.values()) if (each === kind) count++;
    return count;
  }

  /** How many times a quick page asked to be hidden (Esc), since the host started. */
  get quickHides(): number {
    return this.#quickHides;
  }

  showConversation(conversationId: string): boolean {
    let shown = false;
    for (const [session, kind] of this.#sessions) {
      if (kind !== 'chat') continue;
      session.push({ type: 'onShowConversation', conversationId });
      shown = true;
    }
    return shown;
  }

  hideQuick(): boolean {
    this.#quickHides++;
    return false;
  }

  resizeQuick(): null {
    return null;
  }

  readClipboard(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  quickStatus(): QuickStatus {
    return NO_DESKTOP_STATUS;
  }
}
