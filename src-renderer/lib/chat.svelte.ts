import { createContext } from 'svelte';
import type { ChatSendEvents, PushEvents } from '../../src-main/common/contract';
import type { RpcClient } from '../../src-main/common/rpc';
import type { Conversation, EngineStatus, Message } from '../../src-main/common/types';
import { describeError, isCancellation, type Notice } from './errors';
import { LiveReply } from './live-reply.svelte';

/** Remembers which conversation is open, so a reload shows it again. */
export interface SelectionMemory {
  read(): string | null;
  write(conversationId: string | null): void;
}

export interface ChatStateOptions {
  /** Where the open conversation is remembered; nothing is remembered without it. */
  memory?: SelectionMemory;
}

/**
 * The chat window's state: the conversation list, the open conversation's messages, the reply being streamed,
 * the engine's status and the last error, in words. Components read its fields and call its methods; only this
 * class talks to the app (through the contract).
 *
 * Lists are `$state.raw` and replaced, never mutated, so a keyed `{#each}` re-renders only the items whose object
 * changed. While a reply streams, only `reply.text` changes.
 */
export class ChatState {
  /** Every conversation, most recently updated first. */
  conversations = $state.raw<Conversation[]>([]);
  /** The open conversation; `null` is a new chat that does not exist until its first message is sent. */
  selectedId = $state<string | null>(null);
  /** The open conversation's messages, oldest first. */
  messages = $state.raw<Message[]>([]);
  /** True while the open conversation's messages are being fetched. */
  loadingMessages = $state(false);
  /** The reply this window is streaming, from Send until the app's answer (at most one at a time). */
  reply = $state.raw<LiveReply | null>(null);
  /** The engine's status; `null` until the app has told us. */
  engine = $state.raw<EngineStatus | null>(null);
  /** The last error, in words; cleared by the next send or by dismissing it. */
  notice = $state.raw<Notice | null>(null);
  /** True once the first conversation list has arrived. */
  ready = $state(false);

  readonly selected: Conversation | null = $derived(this.conversations.find((c) => c.id === this.selectedId) ?? null);

  readonly #client: RpcClient;
  readonly #memory: SelectionMemory | undefined;
  readonly #unsubscribe: (() => void)[] = [];
  /** Bumped whenever `messages` is set locally, so a slower fetch never overwrites newer state. */
  #messagesVersion = 0;
  #listVersion = 0;
  /** `updatedAt` of the open conversation when its messages were last fetched. */
  #loadedUpdatedAt: number | null = null;
  /** The fetch of the open conversation's messages in flight, if any. */
  #load: object | null = null;

  constructor(client: RpcClient, options: ChatStateOptions = {}) {
    this.#client = client;
    this.#memory = options.memory;
  }

  /** True from Send until the reply has ended. */
  get streaming(): boolean {
    return this.reply !== null;
  }

  /** Subscribe to the app's push events and fetch the first state; reopens the remembered conversation. */
  async start(): Promise<void> {
    this.#unsubscribe.push(
      this.#client.onPush((event) => this.#onPush(event)),
      this.#client.onProtocolError((error) => (this.notice = describeError(error))),
    );
    try {
      const [conversations, engine] = await Promise.all([
        this.#client.call('conversations.list', {}),
        this.#client.call('engine.getStatus', {}),
      ]);
      this.conversations = conversations;
      this.engine ??= engine;
      const remembered = this.#memory?.read() ?? null;
      if (remembered !== null && conversations.some((c) => c.id === remembered)) await this.select(remembered);
      else this.#memory?.write(null);
    } catch (error) {
      this.notice = describeError(error);
    } finally {
      this.ready = true;
    }
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Open an empty chat; it becomes a conversation when its first message is sent. */
  newChat(): void {
    this.#show(null, []);
  }

  /** Open a conversation and fetch its messages. */
  async select(conversationId: string): Promise<void> {
    if (conversationId === this.selectedId && !this.loadingMessages) return;
    this.#show(conversationId, []);
    await this.#loadMessages(conversationId);
  }

  /**
   * Send `text` in the open conversation (creating it first for a new chat) and stream the reply.
   * Resolves `true` once the app has accepted the message (it is stored, even if the reply later fails or is
   * stopped), `false` when it was not sent — the caller can then give the text back to the user.
   */
  async send(text: string): Promise<boolean> {
    if (this.reply !== null || text.trim() === '') return false;
    const reply = new LiveReply();
    this.reply = reply;
    this.notice = null;
    /** A conversation created for this message; removed again if the message is never accepted. */
    let created: string | null = null;
    try {
      let conversationId = this.selectedId;
      if (conversationId === null) {
        const conversation = await this.#client.call('conversations.create', {});
        created = conversation.id;
        this.conversations = [conversation, ...this.conversations.filter((c) => c.id !== conversation.id)];
        if (this.selectedId === null) this.#show(conversation.id, []);
        conversationId = conversation.id;
      }
      reply.conversationId = conversationId;
      if (reply.stopping) {
        if (created !== null) this.#discardConversation(created);
        return false;
      }
      const final = await this.#client.call(
        'chat.send',
        { conversationId, text },
        { signal: reply.signal, onEvent: (event) => this.#onReplyEvent(reply, event) },
      );
      reply.flush();
      this.#putMessage(final);
      return true;
    } catch (error) {
      reply.flush();
      if (reply.messageId !== null) this.#endFailedReply(reply, error);
      else if (created !== null) this.#discardConversation(created);
      if (!isCancellation(error)) this.notice = describeError(error);
      return reply.messageId !== null;
    } finally {
      if (this.reply === reply) this.reply = null;
    }
  }

  /** Stop the reply being streamed. The call still resolves, with the reply marked stopped and its text kept. */
  stop(): void {
    this.reply?.stop();
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** A new chat whose first message was refused (no model, …): back to the empty chat, with no empty leftover. */
  #discardConversation(conversationId: string): void {
    if (this.selectedId === conversationId) this.newChat();
    this.conversations = this.conversations.filter((c) => c.id !== conversationId);
    this.#client.call('conversations.delete', { id: conversationId }).catch(() => {});
  }

  #onReplyEvent(reply: LiveReply, event: ChatSendEvents): void {
    if (event.type === 'onStarted') {
      reply.started(event.assistantMessage.id);
      if (this.selectedId === event.userMessage.conversationId) {
        this.#setMessages([...this.messages, event.userMessage, event.assistantMessage]);
      }
    } else if (event.messageId === reply.messageId) {
      reply.append(event.text);
    }
  }

  /** Put the final version of a message in place of the one shown (if its conversation is open). */
  #putMessage(message: Message): void {
    if (this.selectedId !== message.conversationId) return;
    const index = this.messages.findIndex((m) => m.id === message.id);
    if (index === -1) {
      void this.#loadMessages(message.conversationId);
      return;
    }
    this.#setMessages(this.messages.with(index, message));
  }

  /**
   * The reply started but the call failed (engine failure, lost connection). Show what streamed, marked, at once;
   * then, if the app is still reachable, fetch what it stored (which carries its own error text).
   */
  #endFailedReply(reply: LiveReply, error: unknown): void {
    const messageId = reply.messageId;
    const conversationId = reply.conversationId;
    if (messageId === null || conversationId === null || this.selectedId !== conversationId) return;
    const reason = describeError(error);
    const disconnected = reason.code === 'DISCONNECTED';
    const shown = this.messages.find((m) => m.id === messageId);
    if (shown) {
      const status = disconnected ? 'interrupted' : 'error';
      this.#putMessage({ ...shown, content: reply.text, status, error: reason.detail ?? reason.title });
    }
    if (!disconnected) void this.#loadMessages(conversationId);
  }

  #onPush(event: PushEvents): void {
    if (event.type === 'onEngineStatus') {
      this.engine = event.status;
      if (event.status.state === 'ready' && this.notice?.code === 'NO_MODEL') this.notice = null;
      return;
    }
    if (event.type === 'onModelsChanged' || event.type === 'onDownloadProgress') return; // lib/models.svelte.ts
    // A change this window is making itself (its own reply) needs no refetch of the open conversation.
    const ownReply = this.reply !== null && this.reply.conversationId === this.selectedId;
    void this.#refreshList(!ownReply);
  }

  /**
   * Refetch the list after any change (from this window or another). With `reloadOpen`, also refetch the open
   * conversation's messages if it changed since they were fetched; if it was deleted, fall back to a new chat.
   */
  async #refreshList(reloadOpen: boolean): Promise<void> {
    const version = ++this.#listVersion;
    let conversations: Conversation[];
    try {
      conversations = await this.#client.call('conversations.list', {});
    } catch (error) {
      if (version === this.#listVersion) this.notice = describeError(error);
      return;
    }
    if (version !== this.#listVersion) return;
    this.conversations = conversations;
    const openId = this.selectedId;
    if (openId === null || this.loadingMessages) return;
    const open = conversations.find((c) => c.id === openId);
    if (!open) {
      if (this.reply?.conversationId !== openId) this.newChat();
      return;
    }
    const streamingHere = this.reply !== null && this.reply.conversationId === openId;
    if (reloadOpen && !streamingHere && open.updatedAt !== this.#loadedUpdatedAt) await this.#loadMessages(openId);
  }

  async #loadMessages(conversationId: string): Promise<void> {
    const version = this.#messagesVersion;
    const load = {};
    this.#load = load;
    this.loadingMessages = true;
    try {
      const detail = await this.#client.call('conversations.get', { id: conversationId });
      if (version !== this.#messagesVersion || this.selectedId !== conversationId) return;
      this.messages = reuseUnchanged(this.messages, detail.messages);
      this.#loadedUpdatedAt = detail.conversation.updatedAt;
    } catch (error) {
      if (version !== this.#messagesVersion || this.selectedId !== conversationId) return;
      const notice = describeError(error);
      this.notice = notice;
      if (notice.code === 'NOT_FOUND') this.newChat();
    } finally {
      if (this.#load === load) {
        this.#load = null;
        this.loadingMessages = false;
      }
    }
  }

  #show(conversationId: string | null, messages: Message[]): void {
    this.selectedId = conversationId;
    this.#setMessages(messages);
    this.#loadedUpdatedAt = null;
    this.#load = null;
    this.loadingMessages = false;
    this.#memory?.write(conversationId);
  }

  #setMessages(messages: Message[]): void {
    this.#messagesVersion++;
    this.messages = messages;
  }
}

/**
 * `next`, with every message that is unchanged from `previous` replaced by the object already shown, so a refetch
 * re-renders only the messages that really changed.
 */
function reuseUnchanged(previous: Message[], next: Message[]): Message[] {
  if (previous.length === 0) return next;
  const shown = new Map(previous.map((m) => [m.id, m]));
  return next.map((message) => {
    const old = shown.get(message.id);
    return old && sameMessage(old, message) ? old : message;
  });
}

function sameMessage(a: Message, b: Message): boolean {
  return (
    a.content === b.content &&
    a.status === b.status &&
    a.error === b.error &&
    a.parentId === b.parentId &&
    a.createdAt === b.createdAt &&
    JSON.stringify(a.stats) === JSON.stringify(b.stats)
  );
}

/** The chat state of this window, shared with every component through context. */
export const [getChatState, setChatState] = createContext<ChatState>();
