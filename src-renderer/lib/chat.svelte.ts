import { createContext } from 'svelte';
import type { PushEvents } from '../../src-main/common/contract';
import type { AppClient } from '../../src-main/common/app-rpc';
import { MAX_MESSAGE_LENGTH } from '../../src-main/common/schemas';
import type {
  BranchPosition,
  Conversation,
  ConversationDetail,
  EngineStatus,
  GenerationOverrides,
  Message,
} from '../../src-main/common/types';
import { AppCommands } from './app-commands';
import { AppNoticesState } from './app-notices.svelte';
import { AppSettingsState } from './app-settings.svelte';
import { ConfirmState } from './confirm.svelte';
import { ComposerDraft, UNSAVED_DRAFTS } from './composer-draft.svelte';
import { ContextMeterState } from './context-meter.svelte'; // context meter
import { contextView, type ContextView, type LiveContext } from './context-view';
import { ConversationListState } from './conversation-list.svelte';
import { DraftPreparer } from './draft-preparer';
import { describeError, isCancellation, type Notice } from './errors';
import { HistoryTransfer } from './history.svelte';
import { LocalApiState, RemoteServersClient } from './openai-settings.svelte'; // issue 15
import { ConversationSelection } from './conversation-selection.svelte';
import type { LiveReply } from './live-reply.svelte';
import { OpenConversation, type ReplyPlacement, type SelectionMemory } from './open-conversation.svelte';
import { ReplyStream, type StreamCallOptions } from './reply-stream.svelte';
import { SearchState } from './search.svelte';
import { UndoDeletions } from './undo-deletions.svelte';

export type { SelectionMemory } from './open-conversation.svelte';

export interface ChatStateOptions {
  /** Where the open conversation is remembered; nothing is remembered without it. */
  memory?: SelectionMemory;
  /**
   * Keep the composer's text per conversation in the app, across reloads and restarts (`drafts.get`/`drafts.save`).
   * Default true; the quick-prompt popup, which starts afresh each time, keeps none.
   */
  keepDrafts?: boolean;
}

/**
 * The chat window's state, and the one place that talks to the app for it. It is made of three parts, each usable
 * on its own: the sidebar's {@link ConversationListState} (`list`), the {@link OpenConversation} and its pages
 * (`open`), and the {@link ReplyStream} (`replies`) — the only part the quick prompt needs. This class ties them
 * together (a new chat becomes a conversation at its first message; a reply goes into the open conversation and
 * moves it up the list; a push from another window refetches what changed) and puts every failure into words
 * (`notice`). Components read the fields below, which are the parts' own.
 */
export class ChatState {
  readonly list: ConversationListState;
  readonly open: OpenConversation;
  readonly replies = new ReplyStream();

  /** The engine's status; `null` until the app has told us. */
  engine = $state.raw<EngineStatus | null>(null);
  /** The last error, in words; cleared by the next send or by dismissing it. */
  notice = $state.raw<Notice | null>(null);
  /** True once the first conversation list has arrived. */
  ready = $state(false);

  /** App settings (theme, send shortcut, defaults). */
  readonly settings: AppSettingsState;
  /** Notices the app must show once. */
  readonly appNotices: AppNoticesState;
  /** The sidebar search. */
  readonly search: SearchState;
  /** The window's "are you sure?" dialog. */
  readonly confirm = new ConfirmState();
  /** The application menu's commands, run by the components that own them (issue 10). */
  readonly commands = new AppCommands();
  /** The "Deleted “title” — Undo" toasts of conversations deleted from this window. */
  readonly deletions = new UndoDeletions({ restore: (conversationId) => this.list.restore(conversationId) });
  /** Export and import of conversation history. */
  readonly history: HistoryTransfer;
  /** The sidebar's multi-selection (to export several conversations). */
  readonly selection = new ConversationSelection();
  /** The composer's text: one draft per conversation, saved as the user types (`drafts.get`, `drafts.save`). */
  readonly composer: ComposerDraft;
  /** The OpenAI-compatible local API's status (Settings → Local API; issue 15). */
  readonly localApi: LocalApiState;
  /** Remote servers' calls (Settings → Models; issue 15). */
  readonly remotes: RemoteServersClient;
  /**
   * The engine the user picked for the new chat before its first message (`null`: the local model, a server's id);
   * `undefined`: the app's default.
   */
  newChatEngine = $state<string | null | undefined>(undefined);
  /** The header's context meter: the next prompt's tokens (`chat.measure`). Context meter. */
  readonly meter = new ContextMeterState((conversationId, text) => this.#client.call('chat.measure', { conversationId, text }));

  /** The open conversation's row (title, options), when it exists. */
  readonly selected: Conversation | null;
  /** Which shown messages the model no longer sees (the latest reply's context window). */
  readonly contextView: ContextView;

  readonly #client: AppClient;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #drafts: DraftPreparer;

  constructor(client: AppClient, options: ChatStateOptions = {}) {
    this.#client = client;
    this.list = new ConversationListState(client);
    this.composer = new ComposerDraft(
      (options.keepDrafts ?? true)
        ? {
            load: (conversationId) => client.call('drafts.get', { conversationId }),
            save: (conversationId, text, fullLength) => client.call('drafts.save', { conversationId, text, fullLength }),
          }
        : UNSAVED_DRAFTS,
    );
    this.open = new OpenConversation(client, {
      memory: options.memory,
      onConversation: (conversation) => this.list.put(conversation),
      onShow: (conversationId) => this.composer.show(conversationId),
    });
    this.selected = $derived(this.list.find(this.open.selectedId));
    // The latest reply's figures; without any (an imported conversation), the context meter's view of the next prompt.
    this.contextView = $derived(
      contextView(this.open.messages, this.open.liveContext, this.meter.nextView(this.open.selectedId)),
    );
    this.settings = new AppSettingsState(client);
    this.appNotices = new AppNoticesState(client);
    this.search = new SearchState(client);
    this.history = new HistoryTransfer(client);
    this.localApi = new LocalApiState(client);
    this.remotes = new RemoteServersClient(client);
    this.#drafts = new DraftPreparer(
      (conversationId, text, stillTyping) =>
        void client.call('chat.prepare', { conversationId, text, stillTyping }).catch(() => undefined),
      () => (this.settings.current?.prepareWhileTyping ?? false) && this.engine?.state === 'ready',
    );
  }

  // ---- the parts' fields, as components read them ----

  /** Conversations not archived, pinned first, then most recently updated. */
  get conversations(): Conversation[] {
    return this.list.conversations;
  }
  /** Archived conversations, most recently updated first. */
  get archived(): Conversation[] {
    return this.list.archived;
  }
  /** The sidebar shows the archived conversations instead of the others. */
  get showArchived(): boolean {
    return this.list.showArchived;
  }
  set showArchived(value: boolean) {
    this.list.showArchived = value;
  }
  /** The open conversation; `null` is a new chat that does not exist until its first message is sent. */
  get selectedId(): string | null {
    return this.open.selectedId;
  }
  /** The open conversation's loaded messages, oldest first. */
  get messages(): Message[] {
    return this.open.messages;
  }
  /** True while the open conversation's messages are being fetched. */
  get loadingMessages(): boolean {
    return this.open.loading;
  }
  /** "‹ 2/3 ›" positions of the shown messages that have alternatives, by message id. */
  get branches(): Readonly<Record<string, BranchPosition>> {
    return this.open.branches;
  }
  /** Cursor for older messages of the open conversation; `null` when the first message is shown. */
  get olderBefore(): number | null {
    return this.open.olderBefore;
  }
  /** True while an older page is being fetched. */
  get loadingOlder(): boolean {
    return this.open.loadingOlder;
  }
  /** A message to bring into view and mark (a search hit). */
  get highlightId(): string | null {
    return this.open.highlightId;
  }
  /** What the model sees of the reply streaming now, once the app has said (`onContext`). */
  get liveContext(): LiveContext | null {
    return this.open.liveContext;
  }
  /** The reply this window is streaming, from Send until the app's answer (at most one at a time). */
  get reply(): LiveReply | null {
    return this.replies.reply;
  }
  /** True from Send until the reply has ended. */
  get streaming(): boolean {
    return this.replies.streaming;
  }

  /**
   * The composer's text changed: the app evaluates the prompt ahead as the user types (`chat.prepare`), and the meter
   * counts it. A text too long to send is not prepared (`null`: nothing to prepare for), and only as much of it as
   * could be sent is counted — never more than a request may carry.
   */
  draftChanged(text: string): void {
    const fits = text.length <= MAX_MESSAGE_LENGTH;
    this.#drafts.typed(fits ? this.selectedId : null, text);
    this.meter.typed(this.selectedId, fits ? text : text.slice(0, MAX_MESSAGE_LENGTH)); // context meter
  }

  /**
   * Where the open conversation's replies come from (issue 15): its own engine, or for a new chat the one picked for
   * it, else the app's default. `null` is the model on this computer, else a remote server's id.
   */
  get currentEngine(): string | null {
    if (this.selected) return this.selected.engine;
    return this.newChatEngine !== undefined ? this.newChatEngine : (this.settings.current?.defaultEngine ?? null);
  }

  /** Answer the open conversation (or the new chat, from its first message) with this engine from now on. */
  async chooseEngine(engine: string | null): Promise<void> {
    const conversationId = this.selectedId;
    if (conversationId === null) {
      this.newChatEngine = engine;
      return;
    }
    await this.#report(async () => {
      this.list.put(await this.#client.call('conversations.update', { id: conversationId, engine }));
    }, undefined);
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
      // The engine's status is known at once, even while the conversations still open (the start-up panel shows the
      // model loading); the list comes once they are open.
      const engine = this.#client.call('engine.getStatus', {}).then((status) => void (this.engine ??= status));
      await Promise.all([this.list.refresh(), engine]);
      const remembered = this.open.remembered();
      if (remembered !== null && this.list.find(remembered) !== null) await this.select(remembered);
      else this.open.show(null);
      await Promise.all(extras);
    } catch (error) {
      this.notice = describeError(error);
    } finally {
      this.ready = true;
    }
  }

  dispose(): void {
    this.deletions.dispose();
    this.#drafts.dispose();
    this.composer.dispose();
    this.meter.dispose(); // context meter
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Open an empty chat; it becomes a conversation when its first message is sent. */
  newChat(): void {
    this.newChatEngine = undefined;
    this.open.show(null);
  }

  /** Open a conversation and fetch its messages. */
  async select(conversationId: string): Promise<void> {
    if (conversationId === this.selectedId && !this.loadingMessages) return;
    this.open.show(conversationId);
    // Its messages are asked for first: they are what the window waits for, and the app answers requests in order
    // (preparing the draft reads the whole conversation, a long one for a while).
    const loading = this.#reloadOpen();
    // The box is empty until the conversation's draft arrives; that is then prepared like typed text.
    this.#drafts.opened(conversationId, '');
    await loading;
  }

  /**
   * Send `text` in the open conversation (creating it first for a new chat) and stream the reply.
   * Resolves `true` once the app has accepted the message (it is stored, even if the reply later fails or is
   * stopped), `false` when it was not sent — the caller can then give the text back to the user.
   */
  async send(text: string): Promise<boolean> {
    if (text.trim() === '') return false;
    const reply = this.replies.begin();
    if (reply === null) return false;
    this.notice = null;
    this.open.highlightId = null;
    /** A conversation created for this message; removed again if the message is never accepted. */
    let created: string | null = null;
    try {
      let conversationId = this.selectedId;
      if (conversationId === null) {
        const engine = this.newChatEngine;
        const conversation = await this.#client.call('conversations.create', engine === undefined ? {} : { engine });
        created = conversation.id;
        this.list.put(conversation);
        if (this.selectedId === null) this.open.show(conversation.id);
        conversationId = conversation.id;
      } else if (!this.open.attached) {
        await this.open.attach(); // the reply goes after the newest message: show that, not a window far up
      }
      reply.conversationId = conversationId;
      if (reply.stopping) {
        if (created !== null) this.#discardConversation(created);
        return false;
      }
      this.#drafts.sent(conversationId);
      const params = { conversationId, text };
      const final = await this.#stream(reply, { kind: 'send' }, (options) => this.#client.call('chat.send', params, options));
      this.#endReply(final, false);
      return true;
    } catch (error) {
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
    if (text.trim() === '') return false;
    return this.#branchReply({ kind: 'edit', messageId }, (options) =>
      this.#client.call('chat.edit', { messageId, text }, options),
    );
  }

  /** Write another reply in place of `messageId` (an assistant message); the old reply stays as a version. */
  async regenerate(messageId: string): Promise<boolean> {
    return this.#branchReply({ kind: 'regenerate', messageId }, (options) =>
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

  /** Fetch the page of messages before the oldest one shown (scrolling up). Resolves `true` when messages were added. */
  async loadOlder(limit?: number): Promise<boolean> {
    return this.#report(() => this.open.loadOlder(limit), false);
  }

  /** Fetch the page after the newest one shown, while a window far up is shown. Resolves `true` when some were added. */
  async loadNewer(limit?: number): Promise<boolean> {
    return this.#report(() => this.open.loadNewer(limit), false);
  }

  /** Leave a window far up a long conversation for its newest messages. */
  async jumpToLatest(): Promise<void> {
    await this.#report(() => this.open.attach(), undefined);
  }

  /**
   * Open the conversation holding a message found by search, on the branch that holds it, with the messages around
   * it loaded; then mark it (`highlightId`) so the list scrolls to it.
   */
  async reveal(messageId: string): Promise<void> {
    await this.#report(() => this.open.reveal(messageId), undefined);
  }

  /** Pin a conversation to the top of the list, or unpin it. */
  async setPinned(conversationId: string, pinned: boolean): Promise<void> {
    await this.#report(() => this.list.update({ id: conversationId, pinned }), undefined);
  }

  /** Move a conversation to the archive (hidden from the list, still searchable), or back. */
  async setArchived(conversationId: string, archived: boolean): Promise<void> {
    await this.#report(() => this.list.update({ id: conversationId, archived }), undefined);
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
    this.list.put(conversation);
  }

  async rename(conversationId: string, title: string): Promise<boolean> {
    return this.#report(async () => {
      await this.list.rename(conversationId, title);
      return true;
    }, false);
  }

  /**
   * Delete a conversation and its messages, undoably and without asking first: it leaves the list at once and a toast
   * offers Undo for a few seconds (the app keeps it restorable a while longer, then deletes it for good). No "are you
   * sure?": an undo covers a slip of the hand better than a question that is soon answered without reading.
   * Resolves `true` once deleted.
   */
  async deleteConversation(conversationId: string): Promise<boolean> {
    const title = this.list.find(conversationId)?.title ?? 'Conversation';
    const wasOpen = this.selectedId === conversationId;
    return this.#report(async () => {
      await this.list.delete(conversationId);
      if (this.selectedId === conversationId) this.newChat();
      this.deletions.deleted({ id: conversationId, title }, wasOpen);
      return true;
    }, false);
  }

  /**
   * Undo a deletion from its toast: the conversation is back in the list, and open again if it was open and the
   * window still shows the new chat it fell back to. Too late (deleted for good) closes the toast with a notice.
   */
  async undoDelete(toastKey: number): Promise<void> {
    try {
      const toast = await this.deletions.undo(toastKey);
      if (toast?.wasOpen && this.selectedId === null) await this.select(toast.conversationId);
    } catch (error) {
      const notice = describeError(error);
      this.notice = notice;
      if (notice.code === 'NOT_FOUND') this.deletions.dismiss(toastKey);
    }
  }

  /** Stop the reply being streamed. The call still resolves, with the reply marked stopped and its text kept. */
  stop(): void {
    this.replies.stop();
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** Run `action`; a failure becomes the window's notice and `fallback` is returned. */
  async #report<T>(action: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await action();
    } catch (error) {
      this.notice = describeError(error);
      return fallback;
    }
  }

  /** A new chat whose first message was refused (no model, …): back to the empty chat, with no empty leftover. */
  #discardConversation(conversationId: string): void {
    if (this.selectedId === conversationId) this.newChat();
    this.list.remove(conversationId);
    this.#client.call('conversations.delete', { id: conversationId }).catch(() => {});
  }

  /** Stream a reply into the open conversation, placed as `placement` says. */
  #stream(
    reply: LiveReply,
    placement: ReplyPlacement,
    call: (options: StreamCallOptions) => Promise<Message>,
  ): Promise<Message> {
    return this.replies.stream(reply, call, {
      started: (_reply, event) => this.open.replyStarted(event, placement),
      context: (_reply, { messageId, messagesInView, messagesDropped }) => {
        this.open.liveContext = { messageId, messagesInView, messagesDropped };
      },
    });
  }

  /** Stream an edit or a regenerated reply (both add a version beside an existing message). */
  async #branchReply(placement: ReplyPlacement, call: (options: StreamCallOptions) => Promise<Message>): Promise<boolean> {
    const conversationId = this.selectedId;
    if (conversationId === null) return false;
    const reply = this.replies.begin(conversationId);
    if (reply === null) return false;
    this.notice = null;
    this.open.highlightId = null;
    try {
      const final = await this.#stream(reply, placement, call);
      this.#endReply(final, true);
      return true;
    } catch (error) {
      if (reply.messageId !== null) this.#endFailedReply(reply, error);
      if (!isCancellation(error)) this.notice = describeError(error);
      return reply.messageId !== null;
    } finally {
      this.#releaseReply(reply);
    }
  }

  /** The reply ended: show its final version; after an edit or regenerate, fetch the new "‹ 2/3 ›" positions. */
  #endReply(final: Message, refetch: boolean): void {
    void this.#report(() => this.open.putMessage(final), false);
    if (refetch && this.selectedId === final.conversationId) void this.#reloadOpen();
  }

  #releaseReply(reply: LiveReply): void {
    this.replies.end(reply);
    const live = this.open.liveContext;
    if (live !== null && live.messageId === reply.messageId) {
      // The stored stats carry the same figures from now on; keep the live ones until the message is replaced.
      if (this.open.find(reply.messageId)?.stats?.messagesInView !== undefined) this.open.liveContext = null;
    }
  }

  /**
   * The reply started but the call failed (engine failure, lost connection). Show what streamed, marked, at once;
   * then, if the app is still reachable, fetch what it stored (which carries its own error text).
   */
  #endFailedReply(reply: LiveReply, error: unknown): void {
    const { messageId, conversationId } = reply;
    if (messageId === null || conversationId === null || this.selectedId !== conversationId) return;
    const reason = describeError(error);
    const disconnected = reason.code === 'DISCONNECTED';
    const shown = this.open.find(messageId);
    if (shown) {
      const status = disconnected ? 'interrupted' : 'error';
      void this.open.putMessage({ ...shown, content: reply.text, status, error: reason.detail ?? reason.title });
    }
    if (!disconnected) void this.#reloadOpen();
  }

  /** Run a call that returns a new view of the open conversation (switch branch, delete) and show it. */
  async #changeView(call: () => Promise<ConversationDetail>): Promise<void> {
    if (this.streaming) return;
    await this.#report(() => this.open.changeView(call), undefined);
  }

  /** Fetch the open conversation's newest page; a conversation that no longer exists falls back to a new chat. */
  async #reloadOpen(): Promise<void> {
    try {
      await this.open.reload();
    } catch (error) {
      const notice = describeError(error);
      this.notice = notice;
      if (notice.code === 'NOT_FOUND') this.newChat();
    }
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
    // ---- quick prompt and desktop shell (issue 10) ----
    if (event.type === 'onShowConversation') {
      // "Continue in Phi Desk": the conversation the quick prompt started, in the normal list.
      this.search.clear();
      this.list.showArchived = false;
      void this.select(event.conversationId);
      return;
    }
    if (event.type === 'onMenuCommand') {
      this.commands.run(event.command);
      return;
    }
    if (event.type === 'onQuickStatus') {
      this.settings.desktop = event.status;
      return;
    }
    if (event.type === 'onApiStatus') {
      this.localApi.apply(event.status);
      return;
    }
    if (event.type === 'onQuickShown') return; // the quick prompt's own
    if (event.type === 'onModelsChanged' || event.type === 'onDownloadProgress') return; // lib/models.svelte.ts
    if (event.type === 'onStartupProgress') return; // lib/startup.svelte.ts
    // A change this window is making itself (its own reply) needs no refetch of the open conversation.
    const ownReply = this.reply !== null && this.reply.conversationId === this.selectedId;
    void this.#refreshList(!ownReply);
  }

  /**
   * Refetch the list after any change (from this window or another). With `reloadOpen`, also refetch the open
   * conversation's messages if it changed since they were fetched; if it was deleted, fall back to a new chat.
   * A window far up a long conversation is left as it is (it reaches the change as the reader scrolls down).
   */
  async #refreshList(reloadOpen: boolean): Promise<void> {
    let current: boolean;
    try {
      current = await this.list.refresh();
    } catch (error) {
      this.notice = describeError(error);
      return;
    }
    if (!current) return;
    const openId = this.selectedId;
    if (openId === null || this.loadingMessages) return;
    const open = this.list.find(openId);
    if (!open) {
      if (this.reply?.conversationId !== openId) this.newChat();
      return;
    }
    const streamingHere = this.reply !== null && this.reply.conversationId === openId;
    const changed = open.updatedAt !== this.open.loadedUpdatedAt;
    if (reloadOpen && !streamingHere && changed && this.open.attached) await this.#reloadOpen();
  }
}

/** The chat state of this window, shared with every component through context. */
export const [getChatState, setChatState] = createContext<ChatState>();
