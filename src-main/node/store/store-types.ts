import type { Conversation, Message, MessageRole } from '../../common/types';
import type { GenerationOverrides } from './settings-schemas';

/**
 * Store-side shapes that the shared types in `src-main/common/types.ts` do not have yet. Each extends or sits beside
 * a common type, so the lead can move the new fields into `common` without changing the store's callers.
 */

/** A conversation with everything the user can set on it. A {@link Conversation} with more fields. */
export interface ConversationRecord extends Conversation {
  /** Shown at the top of the list. */
  pinned: boolean;
  /** Hidden from the default list; still searchable. */
  archived: boolean;
  /** This conversation's system prompt, or `null` for the app default. */
  systemPrompt: string | null;
  /** Sampling overrides; a missing field means the app default. */
  generation: GenerationOverrides;
  /** The model that wrote the latest reply (a display name or file name), or `null` before the first reply. */
  model: string | null;
}

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
}

/** What to list with {@link ConversationStore.listConversations}. */
export interface ListConversationsOptions {
  /** `false` (default): the normal list; `true`: only archived conversations. Pinned come first either way. */
  archived?: boolean;
}

/** A message's place among its siblings (the messages sharing its parent), for a "< 2/3 >" switcher. */
export interface BranchPosition {
  messageId: string;
  /** 0-based position among the siblings, in the order they were written. */
  index: number;
  /** How many siblings there are, the message included (1 when there is no alternative). */
  count: number;
  /** The sibling written just before, or `null` at the first. */
  previousId: string | null;
  /** The sibling written just after, or `null` at the last. */
  nextId: string | null;
}

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

/** A run of text in a search snippet; `match` runs are what the query matched and should be highlighted. */
export interface TextRun {
  text: string;
  match: boolean;
}

/** A message that matched a search: enough to show it and to jump to it. */
export interface MessageSearchHit {
  conversationId: string;
  conversationTitle: string;
  messageId: string;
  role: MessageRole;
  createdAt: number;
  /** An excerpt around the matches, with the matched words marked. Plain text: render each run as a text node. */
  snippet: TextRun[];
}

/** What {@link MessageTree.revealMessage} did to show a message. */
export interface RevealedMessage {
  conversationId: string;
  messageId: string;
  /** True when the message was on another branch and the conversation now shows the branch through it. */
  switchedBranch: boolean;
}

/** A conversation whose title matched a search. */
export interface ConversationSearchHit {
  conversationId: string;
  /** The whole title with the matched words marked. */
  title: TextRun[];
  updatedAt: number;
  archived: boolean;
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
