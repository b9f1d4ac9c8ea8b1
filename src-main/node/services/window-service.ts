import type { ResultOf } from '../../common/contract';
import { clipContext } from '../../common/clipboard-context';
import type { MethodParams } from '../../common/schemas';
import type { AppSettings, QuickStatus } from '../../common/types';
import type { WindowHost } from '../host/window-host';
import type { ConversationStore } from '../store/conversation-store';
import { requireConversation } from './rpc-errors';

/**
 * The contract's window methods (`windows.showConversation`, `quick.*`) over the host's {@link WindowHost}: this is
 * where what may be done is decided — the conversation must exist, the clipboard is read only while the user has
 * the clipboard setting on, and never more of it than a prompt can use.
 */
export class WindowService {
  readonly #host: () => WindowHost;
  readonly #conversations: ConversationStore;
  readonly #settings: () => AppSettings;

  /** `host` is read at every call: the desktop shell is attached after the app is composed. */
  constructor(host: () => WindowHost, conversations: ConversationStore, settings: () => AppSettings) {
    this.#host = host;
    this.#conversations = conversations;
    this.#settings = settings;
  }

  showConversation({ conversationId }: MethodParams['windows.showConversation']): ResultOf<'windows.showConversation'> {
    requireConversation(this.#conversations, conversationId);
    return { shown: this.#host().showConversation(conversationId) };
  }

  status(): QuickStatus {
    return this.#host().quickStatus();
  }

  hide(): ResultOf<'quick.hide'> {
    return { hidden: this.#host().hideQuick() };
  }

  resize({ height }: MethodParams['quick.resize']): ResultOf<'quick.resize'> {
    return { height: this.#host().resizeQuick(height) };
  }

  /** Off, the answer is "nothing" from the host, so the page does not read the clipboard either. */
  async readClipboard(): Promise<ResultOf<'quick.readClipboard'>> {
    if (!this.#settings().quickClipboardPrefill) return { from: 'host', text: null, truncated: false };
    const text = await this.#host().readClipboard();
    if (text === undefined) return { from: 'page', text: null, truncated: false };
    return { from: 'host', ...clipContext(text) };
  }
}
