import { RpcError, type ChatSendEvents } from '../../common/contract';
import type { MethodParams } from '../../common/schemas';
import type { AppSettings, ContextMeasure, EngineStatus, Message, ReplyStats } from '../../common/types';
import type { ChatEngine, GenerateRequest } from '../engine/port';
import { DEFAULT_CONVERSATION_TITLE, type ConversationStore } from '../store/conversation-store';
import { ReplyWriter, type ReplyWriterOptions } from '../store/reply-writer';
import type { ConversationRecord } from '../store/store-types';
import { buildReplyRequest, messagesInView, NEW_CHAT, type MessagesInView } from './reply-request';
import { requireConversation, requireMessage, toRpcError } from './rpc-errors';

const TITLE_LENGTH = 60;

/** The app settings a reply's request is built from (and, for a new chat, where its reply would come from). */
type PrefillSettings = Pick<AppSettings, 'defaultGeneration' | 'defaultSystemPrompt' | 'prepareWhileTyping'> &
  Partial<Pick<AppSettings, 'defaultEngine'>>;

/** What a chat method gets from the RPC layer besides its params. */
export interface ChatContext {
  signal: AbortSignal;
  emit: (event: ChatSendEvents) => void;
}

/** The parts of the store the chat service writes to and reads settings from. */
export interface ChatStores {
  conversations: ConversationStore;
  settings: { getAppSettings(): PrefillSettings };
}

export interface ChatServiceOptions {
  /** How streamed text is batched into commits (see `ReplyWriter`); the store's defaults otherwise. */
  writer?: ReplyWriterOptions;
  /** Told when conversations change, so every window can refresh its list. */
  onConversationsChanged?: () => void;
  /**
   * The engine that answers a conversation with this `Conversation.engine` (issue 15): the local model for `null`, a
   * remote server's engine for its id. By default every conversation gets the engine given to the constructor.
   */
  engineFor?: (engineId: string | null) => ChatEngine;
  /** Replies the local model is writing for other programs (the local API) right now: a window's reply waits for them. */
  localWorkElsewhere?: () => number;
}

/** A reply about to be generated: the stored messages it answers and the assistant row to fill. */
interface PreparedReply {
  conversation: ConversationRecord;
  /** The current branch up to and including the user message being answered. */
  branch: Message[];
  userMessage: Message;
  assistant: Message;
}

/**
 * Chat on the message tree. `send` answers a new user message at the conversation's current leaf; `edit` adds the
 * edited text as a sibling of a user message and answers it; `regenerate` writes another answer as a sibling of an
 * assistant message. Old branches are never changed. Every user message is committed before generation starts; the
 * assistant row exists from the start in `streaming` state, grows in batched commits (`ReplyWriter`), and ends
 * `complete`, `stopped` (Stop keeps the text) or `error`. One reply at a time per conversation (`BUSY`).
 */
export class ChatService {
  readonly #stores: ChatStores;
  readonly #engine: ChatEngine;
  readonly #engineFor: (engineId: string | null) => ChatEngine;
  readonly #localWorkElsewhere: () => number;
  readonly #writerOptions: ReplyWriterOptions;
  readonly #onChanged: () => void;
  /**
   * Conversations with a reply being generated (one at a time each): how to stop it, when it has settled, and the
   * engine writing it.
   */
  readonly #running = new Map<string, { stop: () => void; settled: Promise<unknown>; engine: ChatEngine }>();
  /** The draft the user last said they were writing (`chat.prepare`), and when. */
  #draft: { conversationId: string; text: string; at: number } | null = null;
  /**
   * The turns last built for a prefill, and the branch version they were built from: while the user types, the same
   * branch is not read again ten times a second (reading a 10,000-message branch takes ~60 ms of the host's thread).
   */
  #prefillBase: ({ conversationId: string; version: string } & ReplyBase) | null = null;
  /** Set by `stopAll` (shutdown): nothing is prepared ahead any more. */
  #shuttingDown = false;

  constructor(stores: ChatStores, engine: ChatEngine, options: ChatServiceOptions = {}) {
    this.#stores = stores;
    this.#engine = engine;
    this.#engineFor = options.engineFor ?? (() => engine);
    this.#localWorkElsewhere = options.localWorkElsewhere ?? (() => 0);
    this.#writerOptions = options.writer ?? {};
    this.#onChanged = options.onConversationsChanged ?? (() => {});
  }

  /** True while a reply is being written in this conversation. */
  isBusy(conversationId: string): boolean {
    return this.#running.has(conversationId);
  }

  /**
   * Stop every reply being written (each ends `stopped`, keeping its text, as with the Stop button) and wait until
   * all are stored. For a clean shutdown: call it before disposing the engine and closing the store.
   */
  async stopAll(): Promise<void> {
    this.#shuttingDown = true;
    const running = [...this.#running.values()];
    for (const reply of running) reply.stop();
    await Promise.allSettled(running.map((reply) => reply.settled));
  }

  /**
   * `chat.prepare`: evaluate the prompt for `text` as the next message ahead (see the contract). A conversation busy
   * with a reply is prepared when the reply ends (`#prefillAfterReply`).
   */
  prepare(params: MethodParams['chat.prepare']): { prepared: boolean } {
    const conversation = this.#conversation(params.conversationId);
    this.#draft = { conversationId: conversation.id, text: params.text, at: performance.now() };
    if (this.#engineOf(conversation).status().state !== 'ready' || this.#running.has(conversation.id)) return { prepared: false };
    return { prepared: this.#prefill(conversation, params.text, params.stillTyping ?? false) };
  }

  /**
   * `chat.measure`: the tokens of the next prompt — the current branch and `text` as the next message, fitted by the
   * engine as `send` would have it fitted (see the contract). Reads the branch only when it changed since the last
   * measure or prefill.
   */
  async measure(params: MethodParams['chat.measure']): Promise<ContextMeasure> {
    const settings = this.#stores.settings.getAppSettings();
    const conversation = params.conversationId === null ? null : this.#conversation(params.conversationId);
    const base =
      conversation === null
        ? { request: buildReplyRequest(NEW_CHAT, settings, []).request, turnMessageIds: [], branchIds: [] }
        : this.#replyBase(conversation, settings);
    // A new chat will be answered by the app's default engine.
    const engine = this.#engineFor(conversation === null ? (settings.defaultEngine ?? null) : conversation.engine);
    const status = engine.status();
    if (status.state !== 'ready') return unavailable(status);
    const request: GenerateRequest = { ...base.request, turns: [...base.request.turns, { role: 'user', content: params.text }] };
    const measured = await engine.measure(request);
    if (measured === null) return unavailable(engine.status());
    const branch = base.branchIds.map((id) => ({ id }));
    const inView = messagesInView(measured, branch, base.turnMessageIds);
    return {
      available: true,
      contextSize: measured.contextSize,
      promptTokens: measured.promptTokens,
      exact: measured.exact,
      ...(measured.estimated ? { estimated: true } : {}),
      fits: measured.fits,
      promptBudget: measured.contextSize - measured.replyReserve,
      replyReserve: measured.replyReserve,
      maxReplyTokens: request.settings?.maxTokens ?? settings.defaultGeneration.maxTokens,
      replyTokens: measured.replyTokens,
      ...inView,
      afterMessageId: base.branchIds.at(-1) ?? null,
    };
  }

  /** `chat.send`: a new user message after the current leaf, and its reply. */
  async send(params: MethodParams['chat.send'], context: ChatContext): Promise<Message> {
    const conversation = this.#conversation(params.conversationId);
    return this.#exclusive(conversation, context, () => {
      const history = this.#stores.conversations.listMessages(conversation.id);
      const userMessage = this.#stores.conversations.appendMessage({
        conversationId: conversation.id,
        parentId: history.at(-1)?.id ?? null,
        role: 'user',
        content: params.text,
        status: 'complete',
      });
      return this.#startReply(conversation, [...history, userMessage], userMessage);
    });
  }

  /** `chat.edit`: the edited text as a new sibling of a user message (the old branch stays), and its reply. */
  async edit(params: MethodParams['chat.edit'], context: ChatContext): Promise<Message> {
    const original = this.#message(params.messageId);
    if (original.role !== 'user') throw new RpcError('BAD_REQUEST', 'Only your own messages can be edited; regenerate a reply instead.');
    const conversation = this.#conversation(original.conversationId);
    return this.#exclusive(conversation, context, () => {
      const userMessage = this.#stores.conversations.createSibling(original.id, { content: params.text, status: 'complete' });
      const branch = this.#stores.conversations.listMessages(conversation.id);
      return this.#startReply(conversation, branch, userMessage);
    });
  }

  /** `chat.regenerate`: another answer to the same user message, as a new sibling of an assistant message. */
  async regenerate(params: MethodParams['chat.regenerate'], context: ChatContext): Promise<Message> {
    const original = this.#message(params.messageId);
    if (original.role !== 'assistant') throw new RpcError('BAD_REQUEST', 'Only a reply can be regenerated; edit your message instead.');
    const userMessage = original.parentId === null ? null : this.#stores.conversations.getMessage(original.parentId);
    if (!userMessage || userMessage.role !== 'user') {
      throw new RpcError('BAD_REQUEST', 'This reply does not answer a message of yours, so it cannot be regenerated.');
    }
    const conversation = this.#conversation(original.conversationId);
    return this.#exclusive(conversation, context, () => {
      const assistant = this.#stores.conversations.createSibling(original.id, { content: '', status: 'streaming' });
      const branch = this.#stores.conversations.listMessages(conversation.id).slice(0, -1);
      return { conversation, branch, userMessage, assistant };
    });
  }

  /**
   * Checks the engine and the conversation's lock, runs `prepare` (which writes the user message and the empty
   * reply), then streams the reply. Nothing is written when a check fails.
   */
  async #exclusive(conversation: ConversationRecord, context: ChatContext, prepare: () => PreparedReply): Promise<Message> {
    const conversationId = conversation.id;
    const engine = this.#engineOf(conversation);
    const engineStatus = engine.status();
    if (engineStatus.state !== 'ready') {
      throw new RpcError(
        'NO_MODEL',
        engineStatus.state === 'loading'
          ? 'The model is still loading; try again in a moment.'
          : engineStatus.state === 'error' && engineStatus.error && engine !== this.#engine
            ? engineStatus.error
            : 'No model is loaded.',
      );
    }
    if (this.#running.has(conversationId)) {
      throw new RpcError('BUSY', 'A reply is already being written in this conversation.');
    }
    // Stopped by the caller (Stop, a closed window) or by `stopAll` (shutdown).
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    if (context.signal.aborted) controller.abort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
    const startedAt = performance.now();
    const run = (async () => {
      const reply = prepare();
      this.#nameAfterFirstMessage(reply);
      this.#onChanged();
      context.emit({ type: 'onStarted', userMessage: reply.userMessage, assistantMessage: reply.assistant });
      // An engine writes one reply at a time: say so when others (another window's, or another program's through the
      // local API) go first, so the window can.
      const sameEngine = [...this.#running].filter(([id, running]) => id !== conversationId && running.engine === engine).length;
      const ahead = sameEngine + (engine === this.#engine ? this.#localWorkElsewhere() : 0);
      if (ahead > 0) context.emit({ type: 'onQueued', messageId: reply.assistant.id, ahead });
      return this.#stream(reply, engine, controller, context.emit);
    })();
    this.#running.set(conversationId, { stop: () => controller.abort(), settled: run.catch(() => undefined), engine });
    try {
      const message = await run;
      this.#running.delete(conversationId);
      if (message.status !== 'error') this.#prefillAfterReply(conversationId, startedAt);
      return message;
    } finally {
      this.#running.delete(conversationId);
      context.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * After a reply, gets the engine ready for what the user will most likely send next: the draft they have been
   * typing meanwhile (in this conversation or another), else a follow-up in this conversation. For the follow-up this
   * re-evaluates the end of the reply as the next prompt will spell it (the sampled tokens do not always match the
   * text's own tokenization) and `Instruct:`, in the idle time after the reply rather than after Send.
   */
  #prefillAfterReply(conversationId: string, startedAt: number): void {
    const draft = this.#draft !== null && this.#draft.at > startedAt ? this.#draft : null;
    const target = draft?.conversationId ?? conversationId;
    if (this.#running.has(target)) return;
    const conversation = this.#stores.conversations.getConversation(target);
    if (conversation) this.#prefill(conversation, draft?.text ?? '', false);
  }

  /** Asks the engine to evaluate ahead the prompt for `draft` as the next message of the current branch. */
  #prefill(conversation: ConversationRecord, draft: string, stillTyping: boolean): boolean {
    if (this.#shuttingDown) return false;
    try {
      const settings = this.#stores.settings.getAppSettings();
      if (!settings.prepareWhileTyping) return false;
      const base = this.#replyBase(conversation, settings).request;
      const request: GenerateRequest = { ...base, turns: [...base.turns, { role: 'user', content: draft }] };
      void this.#engineOf(conversation).prefill(request, { stillTyping }).catch(() => undefined);
      return true;
    } catch {
      return false; // only ever a head start: a store that cannot be read now fails the send, with its own error
    }
  }

  /** The empty assistant message under `userMessage`, with the branch it answers. */
  #startReply(conversation: ConversationRecord, branch: Message[], userMessage: Message): PreparedReply {
    const assistant = this.#stores.conversations.appendMessage({
      conversationId: conversation.id,
      parentId: userMessage.id,
      role: 'assistant',
      content: '',
      status: 'streaming',
    });
    return { conversation, branch, userMessage, assistant };
  }

  async #stream(
    { conversation, branch, assistant }: PreparedReply,
    engine: ChatEngine,
    controller: AbortController,
    emit: ChatContext['emit'],
  ): Promise<Message> {
    const store = this.#stores.conversations;
    const { request, turnMessageIds } = buildReplyRequest(conversation, this.#stores.settings.getAppSettings(), branch);
    const writer = new ReplyWriter(store, assistant.id, this.#writerOptions);
    // Generation also stops when the store can no longer take the text.
    let storeFailure: unknown = null;
    let inView: MessagesInView | null = null;

    try {
      const result = await engine.generate(request, {
        signal: controller.signal,
        onContext: (info) => {
          inView = messagesInView(info, branch, turnMessageIds);
          emit({ type: 'onContext', messageId: assistant.id, ...inView, promptTokens: info.promptTokens });
        },
        onText: (delta) => {
          if (storeFailure) return;
          emit({ type: 'onDelta', messageId: assistant.id, text: delta });
          try {
            writer.push(delta);
          } catch (error) {
            storeFailure = error;
            controller.abort();
          }
        },
      });
      if (storeFailure) throw storeFailure;
      writer.flush();
      inView ??= messagesInView(result.context, branch, turnMessageIds);
      const model = engine.status().modelName;
      const stats: ReplyStats = { ...result.stats, ...inView, ...(model ? { model } : {}) };
      const status = result.stopReason === 'aborted' ? 'stopped' : 'complete';
      const final = store.finishMessage(assistant.id, { status, stats });
      this.#rememberModel(conversation, model);
      this.#onChanged();
      return final;
    } catch (error) {
      const reason = toRpcError(error);
      const message = reason instanceof Error ? reason.message : String(reason);
      try {
        // Keep every streamed word, and say why the reply ended.
        if (!storeFailure) writer.flush();
        store.finishMessage(assistant.id, { status: 'error', error: message });
      } catch {
        // The store itself failed (disk full, locked): the row stays `streaming` and is marked `interrupted` at the
        // next start, with the text committed so far.
      }
      this.#onChanged();
      throw reason;
    }
  }

  /**
   * The request for a reply at the end of the current branch, without the new message (for a prefill or a measure),
   * with the branch's message ids; reused while the branch and the settings are unchanged.
   */
  #replyBase(conversation: ConversationRecord, settings: PrefillSettings): ReplyBase {
    const version = `${this.#stores.conversations.branchVersion(conversation.id)}:${JSON.stringify(conversation)}:${JSON.stringify(settings)}`;
    const cached = this.#prefillBase;
    if (cached?.conversationId === conversation.id && cached.version === version) return cached;
    const branch = this.#stores.conversations.listMessages(conversation.id);
    const { request, turnMessageIds } = buildReplyRequest(conversation, settings, branch);
    const base = { request, turnMessageIds, branchIds: branch.map((message) => message.id) };
    this.#prefillBase = { conversationId: conversation.id, version, ...base };
    return base;
  }

  /** A conversation still called "New conversation" is named after its first message (best effort). */
  #nameAfterFirstMessage({ conversation, userMessage }: PreparedReply): void {
    if (userMessage.parentId !== null) return;
    try {
      const current = this.#stores.conversations.getConversation(conversation.id);
      if (current?.title === DEFAULT_CONVERSATION_TITLE) {
        this.#stores.conversations.renameConversation(conversation.id, titleFrom(userMessage.content));
      }
    } catch {
      // The messages are stored and the reply must still be written; the title can be set by hand.
    }
  }

  /** Records which model wrote the latest reply (best effort: the reply itself is already stored). */
  #rememberModel(conversation: ConversationRecord, model: string | null): void {
    if (!model) return;
    try {
      const current = this.#stores.conversations.getConversation(conversation.id);
      if (current && current.model !== model) this.#stores.conversations.updateConversation(conversation.id, { model });
    } catch {
      // The reply is safe; the model name is only shown beside the conversation.
    }
  }

  /** The engine that answers this conversation: the local model, or the remote server it was set to. */
  #engineOf(conversation: Pick<ConversationRecord, 'engine'>): ChatEngine {
    return this.#engineFor(conversation.engine ?? null);
  }

  #conversation(id: string): ConversationRecord {
    return requireConversation(this.#stores.conversations, id);
  }

  #message(id: string): Message {
    return requireMessage(this.#stores.conversations, id);
  }
}

/** A reply's request built from the current branch, before the next message is added. */
interface ReplyBase {
  request: GenerateRequest;
  /** The branch message each turn of `request` came from (empty messages are no turns). */
  turnMessageIds: string[];
  /** The branch's message ids, oldest first. */
  branchIds: string[];
}

/** `chat.measure`'s answer when there is nothing to count with: why, and the window size if the engine knows it. */
function unavailable(status: EngineStatus): ContextMeasure {
  // `ready` here: the engine could not count (it failed, or its process ended just then).
  const reason = status.state === 'loading' ? 'loading' : status.state === 'noModel' ? 'noModel' : 'error';
  return { available: false, reason, contextSize: status.contextSize };
}

/** A title from the first line of a message, cut to a length that fits the list. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (line.length <= TITLE_LENGTH) return line || DEFAULT_CONVERSATION_TITLE;
  return `${line.slice(0, TITLE_LENGTH - 1).trimEnd()}…`;
}
