import type { Message } from '../../src-main/common/types';

/** What the model saw for the latest reply, as reported while it streamed (`onContext`). */
export interface LiveContext {
  messageId: string;
  messagesInView: number;
  messagesDropped: number;
}

/** Where the model's view of the conversation starts, among the messages shown. */
export interface ContextView {
  /** Messages before this index (in the shown list) were left out of the latest reply's prompt. */
  firstInView: number;
  /** How many messages were left out (some may not be loaded yet). */
  dropped: number;
}

const ALL_IN_VIEW: ContextView = { firstInView: 0, dropped: 0 };

/**
 * Which shown messages the model no longer sees: taken from the newest reply that knows (the live `onContext` of
 * the reply streaming now, or a stored reply's `stats.messagesInView`). `messagesInView` counts back from the user
 * message the reply answers, which is the message just before the reply.
 */
export function contextView(messages: readonly Message[], live: LiveContext | null): ContextView {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message === undefined || message.role !== 'assistant') continue;
    const info =
      live !== null && live.messageId === message.id
        ? live
        : message.stats?.messagesInView !== undefined
          ? { messagesInView: message.stats.messagesInView, messagesDropped: message.stats.messagesDropped ?? 0 }
          : null;
    if (info === null) continue;
    if (info.messagesDropped <= 0) return ALL_IN_VIEW;
    return { firstInView: Math.max(0, index - info.messagesInView), dropped: info.messagesDropped };
  }
  return ALL_IN_VIEW;
}
