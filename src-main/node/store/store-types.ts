import type { Conversation, Message } from '../../common/types';
import type { GenerationOverrides } from './settings-schemas';

/**
 * Store-side shapes. Those that cross the contract live in `src-main/common/types.ts` and are re-exported here, so the
 * store and the wire share one definition.
 */
export type { BranchPosition, ConversationSearchHit, MessageSearchHit, TextRun } from '../../common/types';

/** A conversation with everything the user can set on it (the shared {@link Conversation} now has every field). */
export type ConversationRecord = Conversation;

/**
 * A change to a conversation's settings: only the fields present change. `null` clears `systemPrompt` and `model`;
 * `generation` replaces the overrides as a whole (pass `{}` to clear them).
 */
export interface ConversationPatch {
  title?: string;
  pinned?: boolean;
  archived?: boolean;
  systemPrompt?: string | null;
  generation?: GenerationOverrides;
  model?: string | null;
  /** Where its replies come from: `null` the local model, else a remote server's id. */
  engine?: string | null;
}

/** What to list with {@link ConversationStore.listConversations}. */
export interface ListConversationsOptions {
  /** `false` (default): the normal list; `true`: only archived conversations. Pinned come first either way. */
  archived?: boolean;
}

export type { ConversationListCursor } from '../../common/types';

/** One page of the current branch, for {@link MessageTree.listMessagesPage}. */
export interface MessagePage {
  /** Oldest first. */
  messages: Message[];
  /** Pass as `beforeSeq` to get the page before this one; `null` when this page reaches the first message. */
  beforeSeq: number | null;
}

/** Where to read a page of the current branch. */
export interface MessagePageRequest {
  /** The `beforeSeq` of the previous page; omit for the newest page. */
  beforeSeq?: number;
  /** Messages per page, 1–500. */
  limit: number;
}

/** A page of the current branch after a cursor (scrolling down from a search hit far up a long conversation). */
export interface NewerMessagePage {
  /** Oldest first: the messages right after the cursor. */
  messages: Message[];
  /** Pass as `afterSeq` to get the page after this one; `null` when this page reaches the newest message. */
  afterSeq: number | null;
}

/** Where to read a page of the current branch after a message. */
export interface NewerMessagePageRequest {
  /** The `seq` of the last message the caller has (a message of the current branch). */
  afterSeq: number;
  /** Messages per page, 1–500. */
  limit: number;
}

/** What {@link MessageTree.revealMessage} did to show a message. */
export interface RevealedMessage {
  conversationId: string;
  messageId: string;
  /** True when the message was on another branch and the conversation now shows the branch through it. */
  switchedBranch: boolean;
}

/** Filters and paging for a search. */
export interface SearchOptions {
  /** Only this conversation. */
  conversationId?: string;
  /** Only messages (or conversations updated) at or after this time, epoch ms. */
  from?: number;
  /** Only messages (or conversations updated) before this time, epoch ms. */
  to?: number;
  /** Hits per page, 1–200; default 50. */
  limit?: number;
  /** Hits to skip, for the next page; default 0. */
  offset?: number;
}
