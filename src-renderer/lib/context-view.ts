import type { Message } from '../../src-main/common/types';

/** What the model saw for the latest reply, as reported while it streamed (`onContext`). */
export interface LiveContext {
  messageId: string;
  messagesInView: number;
  messagesDropped: number;
}

/** What the next prompt would show the model of the conversation (`chat.measure`). */
export interface NextPromptView {
  /** Messages of the branch, counting back from its last, in view. */
  messagesInView: number;
  messagesDropped: number;
  /** The branch's last message when measured: the figures apply only while it is still the last one shown. */
  afterMessageId: string | null;
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
 * message the reply answers, which is the message just before the reply. When no reply knows (an imported
 * conversation, old rows), from what the next prompt would leave out (`next`, counted back from the last message).
 */
export function contextView(
  messages: readonly Message[],
  live: LiveContext | null,
  next: NextPromptView | null = null,
): ContextView {
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
  if (next === null || next.messagesDropped <= 0 || next.afterMessageId !== (messages.at(-1)?.id ?? null)) return ALL_IN_VIEW;
  return { firstInView: Math.max(0, messages.length - next.messagesInView), dropped: next.messagesDropped };
}
