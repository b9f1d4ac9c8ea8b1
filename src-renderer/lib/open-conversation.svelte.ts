import { RpcError } from '../../src-main/common/contract';
import type { AppClient } from '../../src-main/common/app-rpc';
import type { BranchPosition, Conversation, ConversationDetail, Message } from '../../src-main/common/types';
import type { LiveContext } from './context-view';
import type { ReplyStarted } from './reply-stream.svelte';

/** Messages fetched per page while scrolling up or down a long conversation. */
export const PAGE_SIZE = 100;

/** Remembers which conversation is open, so a reload shows it again. */
export interface SelectionMemory {
  read(): string | null;
  write(conversationId: string | null): void;
}

/** How a streamed reply fits into the shown messages when it starts. */
export type ReplyPlacement =
  | { kind: 'send' }
  | { kind: 'edit'; messageId: string }
  | { kind: 'regenerate'; messageId: string };

export interface OpenConversationOptions {
  /** Where the open conversation is remembered; nothing is remembered without it. */
  memory?: SelectionMemory | undefined;
  /** Told of the conversation row that came with every view fetched (title, options, `updatedAt`). */
  onConversation?: (conversation: Conversation) => void;
  /** Told whenever a conversation (or the new chat, `null`) is shown, before its messages are fetched. */
  onShow?: (conversationId: string | null) => void;
}

/**
 * The conversation open in the window: which one, the part of its current branch that is loaded (a contiguous run
 * of messages, oldest first, with a cursor each way), the "‹ 2/3 ›" positions, and the message to bring into view.
 *
 * Usually the loaded run ends at the newest message and grows upwards as the reader scrolls ({@link loadOlder}).
 * Opening a search hit far up a long conversation ({@link reveal}) loads only a window around the hit; it grows both
 * ways ({@link loadNewer}) and {@link attached} is false until it reaches the newest message.
 *
 * `messages` is `$state.raw`, replaced and never mutated; unchanged messages keep their object across refetches, so a
 * keyed list re-renders only what changed. Failures are thrown to the caller; a fetch overtaken by a newer change
 * (another conversation opened, a reply started) is dropped.
 */
export class OpenConversation {
  /** The open conversation; `null` is a new chat that does not exist until its first message is sent. */
  selectedId = $state<string | null>(null);
  /** The loaded messages of its current branch, oldest first. */
  messages = $state.raw<Message[]>([]);
  /** True while the conversation's newest page is being fetched. */
  loading = $state(false);
  /** "‹ 2/3 ›" positions of the loaded messages that have alternatives, by message id. */
  branches = $state.raw<Readonly<Record<string, BranchPosition>>>({});
  /** Cursor for older messages; `null` when the first message is loaded. */
  olderBefore = $state<number | null>(null);
  /** Cursor for newer messages; `null` when the newest message is loaded (the usual case). */
  newerAfter = $state<number | null>(null);
  loadingOlder = $state(false);
  loadingNewer = $state(false);
  /** A message to bring into view and mark (a search hit). */
  highlightId = $state<string | null>(null);
  /** What the model sees of the reply streaming now, once the app has said (`onContext`). */
  liveContext = $state.raw<LiveContext | null>(null);

  readonly #client: AppClient;
  readonly #memory: SelectionMemory | undefined;
  readonly #onConversation: (conversation: Conversation) => void;
  readonly #onShow: (conversationId: string | null) => void;
  /** Bumped whenever `messages` changes here, so a slower fetch never overwrites newer state. */
  #version = 0;
  /** `updatedAt` of the open conversation when its messages were last fetched. */
  #loadedUpdatedAt: number | null = null;
  /** The fetch of the newest page in flight, if any. */
  #load: object | null = null;

  constructor(client: AppClient, options: OpenConversationOptions = {}) {
    this.#client = client;
    this.#memory = options.memory;
    this.#onConversation = options.onConversation ?? (() => {});
    this.#onShow = options.onShow ?? (() => {});
  }

  /** True when the loaded messages end at the newest one (new messages and replies appear at the end). */
  get attached(): boolean {
    return this.newerAfter === null;
  }

  /** The `updatedAt` the loaded messages are from (`null` before the first fetch). */
  get loadedUpdatedAt(): number | null {
    return this.#loadedUpdatedAt;
  }

  /** The conversation remembered from the last session, if any. */
  remembered(): string | null {
    return this.#memory?.read() ?? null;
  }

  /** Show `conversationId` (or a new chat, `null`) with no messages yet; nothing is fetched. */
  show(conversationId: string | null): void {
    if (conversationId !== this.selectedId) {
      this.highlightId = null;
      this.liveContext = null;
    }
    this.selectedId = conversationId;
    this.#setMessages([]);
    this.branches = {};
    this.olderBefore = null;
    this.newerAfter = null;
    this.#loadedUpdatedAt = null;
    this.#load = null;
    this.loading = false;
    this.#memory?.write(conversationId);
    this.#onShow(conversationId);
  }

  /** Open a conversation and fetch its newest page (nothing happens when it is open and loaded already). */
  async open(conversationId: string): Promise<void> {
    if (conversationId === this.selectedId && !this.loading) return;
    this.show(conversationId);
    await this.reload();
  }

  /**
   * Fetch the open conversation's newest page and show it (older pages already loaded are kept when it continues
   * them). Resolves `false` when another change overtook it. Throws the app's refusal (`NOT_FOUND`, …).
   */
  async reload(): Promise<boolean> {
    const conversationId = this.selectedId;
    if (conversationId === null) return false;
    const version = this.#version;
    const load = {};
    this.#load = load;
    this.loading = true;
    try {
      const detail = await this.#client.call('conversations.get', { id: conversationId });
      if (version !== this.#version || this.selectedId !== conversationId) return false;
      this.apply(detail);
      return true;
    } catch (error) {
      if (version !== this.#version || this.selectedId !== conversationId) return false;
      throw error;
    } finally {
      if (this.#load === load) {
        this.#load = null;
        this.loading = false;
      }
    }
  }

  /** Fetch the page before the oldest loaded message (scrolling up). Resolves `true` when messages were added. */
  async loadOlder(limit = PAGE_SIZE): Promise<boolean> {
    const conversationId = this.selectedId;
    const beforeSeq = this.olderBefore;
    if (conversationId === null || beforeSeq === null || this.loadingOlder) return false;
    const version = this.#version;
    this.loadingOlder = true;
    try {
      const page = await this.#client.call('messages.page', { conversationId, beforeSeq, limit });
      if (version !== this.#version || this.selectedId !== conversationId) return false;
      const shown = idsOf(this.messages);
      this.#setMessages([...page.messages.filter((m) => !shown.has(m.id)), ...this.messages]);
      this.#addPositions(page.branches);
      this.olderBefore = page.olderBefore;
      return page.messages.length > 0;
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * Fetch the page after the newest loaded message, when the loaded run does not reach the newest message (a search
   * hit far up was opened). Resolves `true` when messages were added. When the branch changed meanwhile, the newest
   * page is loaded instead.
   */
  async loadNewer(limit = PAGE_SIZE): Promise<boolean> {
    const conversationId = this.selectedId;
    const afterSeq = this.newerAfter;
    if (conversationId === null || afterSeq === null || this.loadingNewer) return false;
    const version = this.#version;
    this.loadingNewer = true;
    try {
      let page;
      try {
        page = await this.#client.call('messages.page', { conversationId, afterSeq, limit });
      } catch (error) {
        if (version !== this.#version || this.selectedId !== conversationId) return false;
        if (error instanceof RpcError && error.code === 'BAD_REQUEST') return this.reload();
        throw error;
      }
      if (version !== this.#version || this.selectedId !== conversationId) return false;
      const shown = idsOf(this.messages);
      this.#setMessages([...this.messages, ...page.messages.filter((m) => !shown.has(m.id))]);
      this.#addPositions(page.branches);
      this.newerAfter = page.newerAfter;
      return page.messages.length > 0;
    } finally {
      this.loadingNewer = false;
    }
  }

  /** Load the newest page (leaving a window around a search hit), for "Jump to latest" and before sending. */
  async attach(): Promise<void> {
    if (this.attached || this.selectedId === null) return;
    this.#version++; // pages of the old window in flight must not land in the new one
    this.olderBefore = null;
    this.#setMessages([]);
    await this.reload();
  }

  /**
   * Open the conversation holding a message found by search, on the branch that holds it, with the messages around
   * it loaded; then mark it (`highlightId`) so the list scrolls to it.
   */
  async reveal(messageId: string): Promise<void> {
    this.highlightId = null; // revealing the same hit again scrolls to it again
    const detail = await this.#client.call('search.reveal', { messageId });
    this.show(detail.conversation.id);
    this.apply(detail);
    this.highlightId = messageId;
  }

  /**
   * Show a view of the open conversation: its messages (older pages already shown are kept when the newest page
   * continues them), the "‹ 2/3 ›" positions, and the cursors. Views of another conversation are ignored.
   */
  apply(detail: ConversationDetail): void {
    if (detail.conversation.id !== this.selectedId) return;
    const first = detail.messages[0];
    const at = first === undefined || detail.newerAfter !== null ? -1 : this.messages.findIndex((m) => m.id === first.id);
    const keepOlder = at > 0 && this.attached;
    const shown = reuseUnchanged(this.messages, detail.messages);
    this.#setMessages(keepOlder ? [...this.messages.slice(0, at), ...shown] : shown);
    if (!keepOlder) this.olderBefore = detail.olderBefore;
    this.newerAfter = detail.newerAfter;
    // Positions of older messages stay as they were; the view's come fresh (a message without one has none).
    const viewIds = idsOf(detail.messages);
    const olderPositions = keepOlder ? Object.entries(this.branches).filter(([id]) => !viewIds.has(id)) : [];
    this.branches = Object.fromEntries([...olderPositions, ...detail.branches.map((p) => [p.messageId, p] as const)]);
    this.#loadedUpdatedAt = detail.conversation.updatedAt;
    this.#onConversation(detail.conversation);
  }

  /**
   * Run a call that returns a new view of the open conversation (switch branch, delete from here) and show it.
   * A fetch started before it must not overwrite it.
   */
  async changeView(call: () => Promise<ConversationDetail>): Promise<void> {
    const detail = await call();
    if (this.selectedId !== detail.conversation.id) return;
    this.#version++;
    this.apply(detail);
  }

  /** A reply started in the open conversation: show the stored user message and the (empty) reply where they go. */
  replyStarted(event: ReplyStarted, placement: ReplyPlacement): void {
    if (this.selectedId !== event.userMessage.conversationId) return;
    if (placement.kind === 'send') {
      this.#setMessages([...this.messages, event.userMessage, event.assistantMessage]);
      return;
    }
    // The new version takes the old one's place; what followed the old one belongs to the old branch.
    const at = this.messages.findIndex((m) => m.id === placement.messageId);
    const kept = at === -1 ? this.messages : this.messages.slice(0, at);
    const added = placement.kind === 'edit' ? [event.userMessage, event.assistantMessage] : [event.assistantMessage];
    this.#setMessages([...kept, ...added]);
    this.newerAfter = null;
    this.branches = Object.fromEntries(Object.entries(this.branches).filter(([id]) => id !== placement.messageId));
  }

  /**
   * Put the final version of a message in place of the one shown (if its conversation is open). Resolves `false`
   * when it was not shown (then the newest page is fetched again).
   */
  async putMessage(message: Message): Promise<boolean> {
    if (this.selectedId !== message.conversationId) return false;
    const index = this.messages.findIndex((m) => m.id === message.id);
    if (index === -1) {
      await this.reload();
      return false;
    }
    this.#setMessages(this.messages.with(index, message));
    return true;
  }

  /** The shown message with this id, if loaded. */
  find(messageId: string | null): Message | undefined {
    return messageId === null ? undefined : this.messages.find((m) => m.id === messageId);
  }

  #addPositions(positions: readonly BranchPosition[]): void {
    if (positions.length === 0) return;
    this.branches = { ...this.branches, ...Object.fromEntries(positions.map((p) => [p.messageId, p] as const)) };
  }

  #setMessages(messages: Message[]): void {
    this.#version++;
    this.messages = messages;
  }
}

/** The ids of `messages`, for lookups (a plain snapshot, never state). */
function idsOf(messages: readonly Message[]): ReadonlySet<string> {
  return new Set(messages.map((m) => m.id));
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
