import { RpcError, type ChatSendEvents } from '../../common/contract';
import type { MethodParams } from '../../common/schemas';
import type { Message } from '../../common/types';
import type { ChatEngine, ChatTurn } from '../engine/port';
import { DEFAULT_CONVERSATION_TITLE, type ConversationStore } from '../store/conversation-store';
import { toRpcError } from './rpc-errors';

/** How often streamed text is written to the database: whichever comes first. */
export interface StreamFlushPolicy {
  /** Milliseconds since the last write. */
  intervalMs: number;
  /** Characters waiting to be written. */
  maxPendingChars: number;
}

const DEFAULT_FLUSH: StreamFlushPolicy = { intervalMs: 100, maxPendingChars: 512 };
const TITLE_LENGTH = 60;

export interface ChatServiceOptions {
  flush?: StreamFlushPolicy;
  /** Told when conversations change, so every window can refresh its list. */
  onConversationsChanged?: () => void;
}

/**
 * Sends a user message and streams the reply: the user's message is committed before generation starts, the
 * assistant message exists from the start in `streaming` state and grows in small batches, and ends `complete`,
 * `stopped` (Stop keeps the text) or `error`.
 */
export class ChatService {
  readonly #store: ConversationStore;
  readonly #engine: ChatEngine;
  readonly #flush: StreamFlushPolicy;
  readonly #onChanged: () => void;
  /** Conversations with a reply being generated: one at a time each. */
  readonly #busy = new Set<string>();

  constructor(store: ConversationStore, engine: ChatEngine, options: ChatServiceOptions = {}) {
    this.#store = store;
    this.#engine = engine;
    this.#flush = options.flush ?? DEFAULT_FLUSH;
    this.#onChanged = options.onConversationsChanged ?? (() => {});
  }

  async send(
    params: MethodParams['chat.send'],
    context: { signal: AbortSignal; emit: (event: ChatSendEvents) => void },
  ): Promise<Message> {
    const { conversationId, text } = params;
    const conversation = this.#store.getConversation(conversationId);
    if (!conversation) throw new RpcError('NOT_FOUND', 'That conversation no longer exists.');
    const engineState = this.#engine.status().state;
    if (engineState !== 'ready') {
      throw new RpcError(
        'NO_MODEL',
        engineState === 'loading' ? 'The model is still loading; try again in a moment.' : 'No model is loaded.',
      );
    }
    if (this.#busy.has(conversationId)) {
      throw new RpcError('BUSY', 'A reply is already being written in this conversation.');
    }
    this.#busy.add(conversationId);
    try {
      return await this.#generate(conversationId, text, conversation.title, context);
    } finally {
      this.#busy.delete(conversationId);
    }
  }

  async #generate(
    conversationId: string,
    text: string,
    title: string,
    { signal, emit }: { signal: AbortSignal; emit: (event: ChatSendEvents) => void },
  ): Promise<Message> {
    const history = this.#store.listMessages(conversationId);
    const parentId = history.at(-1)?.id ?? null;
    const userMessage = this.#store.appendMessage({ conversationId, parentId, role: 'user', content: text, status: 'complete' });
    if (title === DEFAULT_CONVERSATION_TITLE && history.length === 0) {
      this.#store.renameConversation(conversationId, titleFrom(text));
    }
    const assistant = this.#store.appendMessage({
      conversationId,
      parentId: userMessage.id,
      role: 'assistant',
      content: '',
      status: 'streaming',
    });
    this.#onChanged();
    emit({ type: 'onStarted', userMessage, assistantMessage: assistant });

    const turns: ChatTurn[] = [...history, userMessage]
      .filter((m) => m.content.length > 0)
      .map((m) => ({ role: m.role, content: m.content }));

    let pending = '';
    let lastWrite = Date.now();
    const writePending = (): void => {
      if (!pending) return;
      this.#store.appendToMessage(assistant.id, pending);
      pending = '';
      lastWrite = Date.now();
    };

    try {
      const result = await this.#engine.generate(
        { turns, cacheKey: conversationId },
        {
          signal,
          onText: (delta) => {
            emit({ type: 'onDelta', messageId: assistant.id, text: delta });
            pending += delta;
            if (pending.length >= this.#flush.maxPendingChars || Date.now() - lastWrite >= this.#flush.intervalMs) {
              writePending();
            }
          },
        },
      );
      writePending();
      const status = result.stopReason === 'aborted' ? 'stopped' : 'complete';
      const final = this.#store.finishMessage(assistant.id, { status, stats: result.stats });
      this.#onChanged();
      return final;
    } catch (error) {
      const reason = toRpcError(error);
      const message = reason instanceof Error ? reason.message : String(reason);
      try {
        // Keep every streamed word, and say why the reply ended.
        writePending();
        this.#store.finishMessage(assistant.id, { status: 'error', error: message });
      } catch {
        // The store itself failed (disk full, locked): the row stays `streaming` and is marked `interrupted` at the
        // next start, with the text written so far.
      }
      this.#onChanged();
      throw reason;
    }
  }
}

function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (line.length <= TITLE_LENGTH) return line || DEFAULT_CONVERSATION_TITLE;
  return `${line.slice(0, TITLE_LENGTH - 1).trimEnd()}…`;
}
