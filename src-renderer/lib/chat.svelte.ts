import { createContext } from 'svelte';
import type { ChatSendEvents, PushEvents } from '../../src-main/common/contract';
import type { RpcClient } from '../../src-main/common/rpc';
import type {
  BranchPosition,
  Conversation,
  ConversationDetail,
  EngineStatus,
  GenerationOverrides,
  Message,
} from '../../src-main/common/types';
import { AppNoticesState } from './app-notices.svelte';
import { AppSettingsState } from './app-settings.svelte';
import { ConfirmState } from './confirm.svelte';
import { ContextMeterState } from './context-meter.svelte'; // context meter
import { contextView, type ContextView, type LiveContext } from './context-view';
import { DraftPreparer } from './draft-preparer';
import { describeError, isCancellation, type Notice } from './errors';
import { HistoryTransfer } from './history.svelte';
import { LiveReply } from './live-reply.svelte';
import { SearchState } from './search.svelte';

/** Messages fetched per older page while scrolling up. */
const OLDER_PAGE_SIZE = 100;

/** How a streamed reply fits into the shown branch when it starts. */
type ReplyKind = { kind: 'send' } | { kind: 'edit'; messageId: string } | { kind: 'regenerate'; messageId: string };

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
  /** Conversations not archived, pinned first, then most recently updated. */
  conversations = $state.raw<Conversation[]>([]);
  /** Archived conversations, most recently updated first. */
  archived = $state.raw<Conversation[]>([]);
  /** The sidebar shows the archived conversations instead of the others. */
  showArchived = $state(false);
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
  /** "‹ 2/3 ›" positions of the shown messages that have alternatives, by message id. */
  branches = $state.raw<Readonly<Record<string, BranchPosition>>>({});
  /** Cursor for older messages of the open conversation; `null` when the first message is shown. */
  olderBefore = $state<number | null>(null);
  /** True while an older page is being fetched. */
  loadingOlder = $state(false);
  /** A message to bring into view and mark (a search hit). */
  highlightId = $state<string | null>(null);
  /** What the model sees of the reply streaming now, once the app has said (`onContext`). */
  liveContext = $state.raw<LiveContext | null>(null);

  /** App settings (theme, send shortcut, defaults). */
  readonly settings: AppSettingsState;
  /** Notices the app must show once. */
  readonly appNotices: AppNoticesState;
  /** The sidebar search. */
  readonly search: SearchState;
  /** The window's "are you sure?" dialog. */
  readonly confirm = new ConfirmState();
  /** Export and import of conversation history. */
  readonly history: HistoryTransfer;
  /** The header's context meter: the next prompt's tokens (`chat.measure`). Context meter. */
  readonly meter = new ContextMeterState((conversationId, text) => this.#client.call('chat.measure', { conversationId, text }));

  readonly selected: Conversation | null = $derived(
    this.conversations.find((c) => c.id === this.selectedId) ??
      this.archived.find((c) => c.id === this.selectedId) ??
      null,
  );
  /** Which shown messages the model no longer sees (the latest reply's context window). */
  readonly contextView: ContextView = $derived(
    contextView(this.messages, this.liveContext, this.meter.nextView(this.selectedId)), // context meter: next prompt's view
  );

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
  /** The composer's text, as last reported (`draftChanged`). */
  #draftText = '';
  readonly #drafts: DraftPreparer;

  constructor(client: RpcClient, options: ChatStateOptions = {}) {
    this.#client = client;
    this.#memory = options.memory;
    this.settings = new AppSettingsState(client);
    this.appNotices = new AppNoticesState(client);
    this.search = new SearchState(client);
    this.history = new HistoryTransfer(client);
    this.#drafts = new DraftPreparer(
      (conversationId, text, stillTyping) =>
        void client.call('chat.prepare', { conversationId, text, stillTyping }).catch(() => undefined),
      () => (this.settings.current?.prepareWhileTyping ?? false) && this.engine?.state === 'ready',
    );
  }

  /** The composer's text changed: the app evaluates the prompt ahead as the user types (`chat.prepare`). */
  draftChanged(text: string): void {
    this.#draftText = text;
    this.#drafts.typed(this.selectedId, text);
    this.meter.typed(this.selectedId, text); // context meter
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
    const extras = [this.settings.load(), this.appNotices.load()].map((loading) =>
      loading.catch((error: unknown) => (this.notice = describeError(error))),
    );
    try {
      const [conversations, archived, engine] = await Promise.all([
        this.#client.call('conversations.list', {}),
        this.#client.call('conversations.list', { archived: true }),
        this.#client.call('engine.getStatus', {}),
      ]);
      this.conversations = conversations;
      this.archived = archived;
      this.engine ??= engine;
      const remembered = this.#memory?.read() ?? null;
      const known = (c: Conversation): boolean => c.id === remembered;
      if (remembered !== null && (conversations.some(known) || archived.some(known))) await this.select(remembered);
      else this.#memory?.write(null);
      await Promise.all(extras);
    } catch (error) {
      this.notice = describeError(error);
    } finally {
      this.ready = true;
    }
  }

  dispose(): void {
    this.#drafts.dispose();
    this.meter.dispose(); // context meter
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
    this.#drafts.opened(conversationId, this.#draftText);
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
    this.highlightId = null;
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
      this.#drafts.sent(conversationId);
      const final = await this.#client.call(
        'chat.send',
        { conversationId, text },
        { signal: reply.signal, onEvent: (event) => this.#onReplyEvent(reply, event, { kind: 'send' }) },
      );
      this.#endReply(reply, final, false);
      return true;
    } catch (error) {
      reply.flush();
      if (reply.messageId !== null) this.#endFailedReply(reply, error);
      else if (created !== null) this.#discardConversation(created);
      if (!isCancellation(error)) this.notice = describeError(error);
      return reply.messageId !== null;
    } finally {
      this.#releaseReply(reply);
    }
  }

  /**
   * Edit one of the user's messages and resend it: the edited text becomes a new version beside the old one (which
   * is kept) and a reply streams under it. Resolves like {@link send}.
   */
  async edit(messageId: string, text: string): Promise<boolean> {
    const conversationId = this.selectedId;
    if (this.reply !== null || text.trim() === '' || conversationId === null) return false;
    return this.#branchReply(conversationId, { kind: 'edit', messageId }, (options) =>
      this.#client.call('chat.edit', { messageId, text }, options),
    );
  }

  /** Write another reply in place of `messageId` (an assistant message); the old reply stays as a version. */
  async regenerate(messageId: string): Promise<boolean> {
    const conversationId = this.selectedId;
    if (this.reply !== null || conversationId === null) return false;
    return this.#branchReply(conversationId, { kind: 'regenerate', messageId }, (options) =>
      this.#client.call('chat.regenerate', { messageId }, options),
    );
  }

  /** Show another version of a message (and the replies under it), as the "‹ 2/3 ›" switcher asks. */
  async switchBranch(messageId: string): Promise<void> {
    await this.#changeView(() => this.#client.call('messages.switchBranch', { messageId }));
  }

  /** Delete a message and every reply under it, after asking. */
  async deleteFrom(messageId: string): Promise<void> {
    const confirmed = await this.confirm.ask({
      title: 'Delete from here?',
      body: 'This message and everything after it in this version of the conversation will be deleted. This cannot be undone.',
      confirmLabel: 'Delete',
    });
    if (!confirmed) return;
    await this.#changeView(() => this.#client.call('messages.deleteSubtree', { messageId }));
  }

  /**
   * Fetch the page of messages before the oldest one shown (scrolling up a long conversation). Resolves `true`
   * when messages were added.
   */
  async loadOlder(limit = OLDER_PAGE_SIZE): Promise<boolean> {
    const conversationId = this.selectedId;
    const beforeSeq = this.olderBefore;
    if (conversationId === null || beforeSeq === null || this.loadingOlder) return false;
    const version = this.#messagesVersion;
    this.loadingOlder = true;
    try {
      const page = await this.#client.call('messages.page', { conversationId, beforeSeq, limit });
      if (version !== this.#messagesVersion || this.selectedId !== conversationId) return false;
      const shown = this.messages;
      const older = page.messages.filter((m) => !shown.some((s) => s.id === m.id));
      this.#setMessages([...older, ...shown]);
      this.branches = { ...this.branches, ...Object.fromEntries(page.branches.map((p) => [p.messageId, p] as const)) };
      this.olderBefore = page.olderBefore;
      return page.messages.length > 0;
    } catch (error) {
      this.notice = describeError(error);
      return false;
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * Open the conversation holding a message found by search, on the branch that holds it, with enough older pages
   * loaded to show it; then mark it (`highlightId`) so the list scrolls to it.
   */
  async reveal(messageId: string): Promise<void> {
    this.highlightId = null; // revealing the same hit again scrolls to it again
    try {
      const detail = await this.#client.call('search.reveal', { messageId });
      this.#show(detail.conversation.id, []);
      this.#applyDetail(detail);
      while (!this.messages.some((m) => m.id === messageId) && this.olderBefore !== null) {
        if (!(await this.loadOlder(500))) break;
      }
      this.highlightId = messageId;
    } catch (error) {
      this.notice = describeError(error);
    }
  }

  /** Pin a conversation to the top of the list, or unpin it. */
  async setPinned(conversationId: string, pinned: boolean): Promise<void> {
    await this.#updateConversation({ id: conversationId, pinned });
  }

  /** Move a conversation to the archive (hidden from the list, still searchable), or back. */
  async setArchived(conversationId: string, archived: boolean): Promise<void> {
    await this.#updateConversation({ id: conversationId, archived });
  }

  /**
   * A conversation's own system prompt (`null` = the app default) and sampling overrides (`{}` = app defaults).
   * Throws the app's refusal so a form can show it next to the fields.
   */
  async setConversationOptions(
    conversationId: string,
    options: { systemPrompt: string | null; generation: GenerationOverrides },
  ): Promise<void> {
    const conversation = await this.#client.call('conversations.update', { id: conversationId, ...options });
    this.#putConversation(conversation);
  }

  async rename(conversationId: string, title: string): Promise<boolean> {
    try {
      this.#putConversation(await this.#client.call('conversations.rename', { id: conversationId, title }));
      return true;
    } catch (error) {
      this.notice = describeError(error);
      return false;
    }
  }

  /** Delete a conversation and its messages, after asking. */
  async deleteConversation(conversationId: string): Promise<void> {
    const conversation = [...this.conversations, ...this.archived].find((c) => c.id === conversationId);
    const confirmed = await this.confirm.ask({
      title: 'Delete conversation?',
      body: `“${conversation?.title ?? 'This conversation'}” and all its messages will be deleted. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!confirmed) return;
    try {
      await this.#client.call('conversations.delete', { id: conversationId });
      if (this.selectedId === conversationId) this.newChat();
      this.conversations = this.conversations.filter((c) => c.id !== conversationId);
      this.archived = this.archived.filter((c) => c.id !== conversationId);
    } catch (error) {
      this.notice = describeError(error);
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

  /** Stream an edit or a regenerated reply (both add a version beside an existing message). */
  async #branchReply(
    conversationId: string,
    kind: ReplyKind,
    call: (options: { signal: AbortSignal; onEvent: (event: ChatSendEvents) => void }) => Promise<Message>,
  ): Promise<boolean> {
    const reply = new LiveReply();
    reply.conversationId = conversationId;
    this.reply = reply;
    this.notice = null;
    this.highlightId = null;
    try {
      const final = await call({ signal: reply.signal, onEvent: (event) => this.#onReplyEvent(reply, event, kind) });
      this.#endReply(reply, final, true);
      return true;
    } catch (error) {
      reply.flush();
      if (reply.messageId !== null) this.#endFailedReply(reply, error);
      if (!isCancellation(error)) this.notice = describeError(error);
      return reply.messageId !== null;
    } finally {
      this.#releaseReply(reply);
    }
  }

  /** The reply ended: show its final version; after an edit or regenerate, fetch the new "‹ 2/3 ›" positions. */
  #endReply(reply: LiveReply, final: Message, refetch: boolean): void {
    reply.flush();
    this.#putMessage(final);
    if (refetch && this.selectedId === final.conversationId) void this.#loadMessages(final.conversationId);
  }

  #releaseReply(reply: LiveReply): void {
    if (this.reply === reply) this.reply = null;
    if (this.liveContext !== null && this.liveContext.messageId === reply.messageId) {
      // The stored stats carry the same figures from now on; keep the live ones until the message is replaced.
      const shown = this.messages.find((m) => m.id === reply.messageId);
      if (shown?.stats?.messagesInView !== undefined) this.liveContext = null;
    }
  }

  #onReplyEvent(reply: LiveReply, event: ChatSendEvents, kind: ReplyKind): void {
    if (event.type === 'onStarted') {
      reply.started(event.assistantMessage.id);
      if (this.selectedId !== event.userMessage.conversationId) return;
      if (kind.kind === 'send') {
        this.#setMessages([...this.messages, event.userMessage, event.assistantMessage]);
        return;
      }
      // The new version takes the old one's place; what followed the old one belongs to the old branch.
      const at = this.messages.findIndex((m) => m.id === kind.messageId);
      const kept = at === -1 ? this.messages : this.messages.slice(0, at);
      const added = kind.kind === 'edit' ? [event.userMessage, event.assistantMessage] : [event.assistantMessage];
      this.#setMessages([...kept, ...added]);
      this.branches = Object.fromEntries(Object.entries(this.branches).filter(([id]) => id !== kind.messageId));
    } else if (event.type === 'onContext') {
      if (event.messageId === reply.messageId) {
        const { messageId, messagesInView, messagesDropped } = event;
        this.liveContext = { messageId, messagesInView, messagesDropped };
      }
    } else if (event.messageId === reply.messageId) {
      reply.append(event.text);
    }
  }

  /** Run a call that returns a new view of the open conversation (switch branch, delete) and show it. */
  async #changeView(call: () => Promise<ConversationDetail>): Promise<void> {
    if (this.reply !== null) return;
    try {
      const detail = await call();
      if (this.selectedId !== detail.conversation.id) return;
      this.#messagesVersion++; // a fetch started before this change must not overwrite it
      this.#applyDetail(detail);
    } catch (error) {
      this.notice = describeError(error);
    }
  }

  async #updateConversation(params: { id: string; pinned?: boolean; archived?: boolean }): Promise<void> {
    try {
      this.#putConversation(await this.#client.call('conversations.update', params));
      void this.#refreshList(false);
    } catch (error) {
      this.notice = describeError(error);
    }
  }

  /** Put a changed conversation in the list it now belongs to (the app's push refetches the order). */
  #putConversation(conversation: Conversation): void {
    const others = (list: Conversation[]): Conversation[] => list.filter((c) => c.id !== conversation.id);
    const replace = (list: Conversation[]): Conversation[] => list.map((c) => (c.id === conversation.id ? conversation : c));
    const inList = (list: Conversation[]): boolean => list.some((c) => c.id === conversation.id);
    if (conversation.archived) {
      this.conversations = others(this.conversations);
      this.archived = inList(this.archived) ? replace(this.archived) : [conversation, ...this.archived];
    } else {
      this.archived = others(this.archived);
      this.conversations = inList(this.conversations) ? replace(this.conversations) : [conversation, ...this.conversations];
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
    if (event.type === 'onNotice') {
      this.appNotices.add(event.notice);
      return;
    }
    if (event.type === 'onSettingsChanged') {
      this.settings.apply(event.settings);
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
    let archived: Conversation[];
    try {
      [conversations, archived] = await Promise.all([
        this.#client.call('conversations.list', {}),
        this.#client.call('conversations.list', { archived: true }),
      ]);
    } catch (error) {
      if (version === this.#listVersion) this.notice = describeError(error);
      return;
    }
    if (version !== this.#listVersion) return;
    this.conversations = conversations;
    this.archived = archived;
    const openId = this.selectedId;
    if (openId === null || this.loadingMessages) return;
    const open = conversations.find((c) => c.id === openId) ?? archived.find((c) => c.id === openId);
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
      this.#applyDetail(detail);
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

  /**
   * Show a view of the open conversation: its newest page (older pages already shown are kept when the newest page
   * continues them), the "‹ 2/3 ›" positions, and the cursor for older messages.
   */
  #applyDetail(detail: ConversationDetail): void {
    const first = detail.messages[0];
    const at = first === undefined ? -1 : this.messages.findIndex((m) => m.id === first.id);
    const keepOlder = at > 0;
    const shown = reuseUnchanged(this.messages, detail.messages);
    this.messages = keepOlder ? [...this.messages.slice(0, at), ...shown] : shown;
    if (!keepOlder) this.olderBefore = detail.olderBefore;
    // Positions of older messages stay as they were; the newest page's come fresh (a message without one has none).
    const olderPositions = keepOlder
      ? Object.entries(this.branches).filter(([id]) => !detail.messages.some((m) => m.id === id))
      : [];
    this.branches = Object.fromEntries([...olderPositions, ...detail.branches.map((p) => [p.messageId, p] as const)]);
    this.#loadedUpdatedAt = detail.conversation.updatedAt;
    this.#putConversation(detail.conversation);
  }

  #show(conversationId: string | null, messages: Message[]): void {
    if (conversationId !== this.selectedId) {
      this.highlightId = null;
      this.liveContext = null;
    }
    this.selectedId = conversationId;
    this.#setMessages(messages);
    this.branches = {};
    this.olderBefore = null;
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
