import type { ChatSendEvents } from '../../src-main/common/contract';
import type { Message } from '../../src-main/common/types';
import { LiveReply } from './live-reply.svelte';

/** The `onStarted` event of a reply: the stored user message and the (empty, streaming) assistant message. */
export type ReplyStarted = Extract<ChatSendEvents, { type: 'onStarted' }>;
/** The `onContext` event of a reply: what of the conversation the model sees. */
export type ReplyContext = Extract<ChatSendEvents, { type: 'onContext' }>;

/** What a window does with a reply's events besides showing its text. */
export interface ReplyHandlers {
  /** The app stored the user message and started the assistant message. */
  started?(reply: LiveReply, event: ReplyStarted): void;
  /** The prompt was fitted into the context window. */
  context?(reply: LiveReply, event: ReplyContext): void;
}

/** Options a streaming contract call (`chat.send`, `chat.edit`, `chat.regenerate`) takes. */
export interface StreamCallOptions {
  signal: AbortSignal;
  onEvent: (event: ChatSendEvents) => void;
}

/**
 * The reply a window is streaming: at most one at a time, from Send until the app's answer. It knows nothing of
 * conversation lists or pages, so any window that asks Phi something (the chat window, the quick prompt) can use it:
 * {@link begin} a reply, {@link stream} a contract call into it, {@link end} it.
 *
 * While a reply streams only `reply.text` changes (buffered, once per animation frame — see {@link LiveReply}).
 */
export class ReplyStream {
  /** The reply streaming now, or `null`. */
  reply = $state.raw<LiveReply | null>(null);

  /** True from {@link begin} until {@link end}. */
  get streaming(): boolean {
    return this.reply !== null;
  }

  /** Start a reply (before its conversation may even exist); `null` when one is streaming already. */
  begin(conversationId: string | null = null): LiveReply | null {
    if (this.reply !== null) return null;
    const reply = new LiveReply();
    reply.conversationId = conversationId;
    this.reply = reply;
    return reply;
  }

  /**
   * Run a streaming call for `reply`: its deltas go into `reply.text`, `onStarted` and `onContext` to `handlers`.
   * Resolves with the final message; rejects with the call's error. Either way, every delta received is applied
   * before it settles (so a failed reply shows the text that did arrive).
   */
  async stream(
    reply: LiveReply,
    call: (options: StreamCallOptions) => Promise<Message>,
    handlers: ReplyHandlers = {},
  ): Promise<Message> {
    try {
      return await call({ signal: reply.signal, onEvent: (event) => this.#onEvent(reply, event, handlers) });
    } finally {
      reply.flush();
    }
  }

  /** The reply is over, whatever happened: the window may start another. */
  end(reply: LiveReply): void {
    reply.flush();
    if (this.reply === reply) this.reply = null;
  }

  /** Stop the reply streaming now. Its call still resolves, with the reply marked stopped and its text kept. */
  stop(): void {
    this.reply?.stop();
  }

  #onEvent(reply: LiveReply, event: ChatSendEvents, handlers: ReplyHandlers): void {
    if (event.type === 'onStarted') {
      reply.started(event.assistantMessage.id);
      handlers.started?.(reply, event);
    } else if (event.type === 'onQueued') {
      if (event.messageId === reply.messageId) reply.queuedBehind = event.ahead;
    } else if (event.type === 'onContext') {
      if (event.messageId !== reply.messageId) return;
      reply.queuedBehind = 0; // the engine has taken it up
      handlers.context?.(reply, event);
    } else if (event.messageId === reply.messageId) {
      reply.queuedBehind = 0;
      reply.append(event.text);
    }
  }
}
