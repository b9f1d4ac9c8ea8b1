import type { AppClient } from '../../src-main/common/app-rpc';
import type { Conversation, ConversationListCursor } from '../../src-main/common/types';

/**
 * Conversations per page asked of the host (~0.15 MB of JSON): read from a cold 1.5 GB database, a page of 2,000 took
 * the host up to ~100 ms (the start-up bench's profile), in which it answered nobody else.
 */
const LIST_PAGE = 500;

/**
 * The sidebar's conversations: the ones not archived (pinned first, then most recently updated) and the archived
 * ones. Lists are `$state.raw` and replaced, never mutated, so a keyed `{#each}` re-renders only the rows whose
 * object changed.
 *
 * Failures are thrown to the caller (the window puts them into words); a refetch that a newer one overtook is
 * dropped, so a slow answer never shows an older list.
 */
export class ConversationListState {
  /** Conversations not archived, pinned first, then most recently updated. */
  conversations = $state.raw<Conversation[]>([]);
  /** Archived conversations, most recently updated first. */
  archived = $state.raw<Conversation[]>([]);
  /** The sidebar shows the archived conversations instead of the others. */
  showArchived = $state(false);
  /** The sidebar shows only conversations started in the quick prompt (issue 10). */
  showQuick = $state(false);

  readonly #client: AppClient;
  #version = 0;

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** A conversation in either list. */
  find(conversationId: string | null): Conversation | null {
    if (conversationId === null) return null;
    return (
      this.conversations.find((c) => c.id === conversationId) ?? this.archived.find((c) => c.id === conversationId) ?? null
    );
  }

  /**
   * Fetch both lists again. Resolves `true` once they are shown, `false` when a later refetch overtook this one
   * (its answer is the one shown).
   */
  async refresh(): Promise<boolean> {
    const version = ++this.#version;
    const [conversations, archived] = await Promise.all([this.#fetchAll(false, version), this.#fetchAll(true, version)]);
    if (conversations === null || archived === null || version !== this.#version) return false;
    this.conversations = conversations;
    this.archived = archived;
    return true;
  }

  /**
   * One list, a page at a time (`conversations.listPage`): a long history comes as many small answers, so the host
   * answers everything else between them. A conversation met twice (it moved between two pages) is kept once.
   * `null` when a later refresh overtook this one.
   */
  async #fetchAll(archived: boolean, version: number): Promise<Conversation[] | null> {
    const list: Conversation[] = [];
    /** Ids already in `list` (local to this fetch, never shown: a plain record, not reactive state). */
    const seen: Record<string, true> = Object.create(null) as Record<string, true>;
    let after: ConversationListCursor | null = null;
    do {
      const page: { conversations: Conversation[]; next: ConversationListCursor | null } = await this.#client.call(
        'conversations.listPage',
        { archived, after, limit: LIST_PAGE },
      );
      if (version !== this.#version) return null;
      for (const conversation of page.conversations) {
        if (seen[conversation.id]) continue;
        seen[conversation.id] = true;
        list.push(conversation);
      }
      after = page.next;
    } while (after !== null);
    return list;
  }

  /** Put a new or changed conversation in the list it now belongs to (the next refresh settles its order). */
  put(conversation: Conversation): void {
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

  /** Take a conversation out of both lists (deleted). */
  remove(conversationId: string): void {
    this.conversations = this.conversations.filter((c) => c.id !== conversationId);
    this.archived = this.archived.filter((c) => c.id !== conversationId);
  }

  /** Pin, unpin, archive or unarchive; the changed conversation comes back and is put in its list. */
  async update(params: { id: string; pinned?: boolean; archived?: boolean }): Promise<Conversation> {
    const conversation = await this.#client.call('conversations.update', params);
    this.put(conversation);
    void this.refresh().catch(() => undefined); // the order may have changed (pinned first)
    return conversation;
  }

  async rename(conversationId: string, title: string): Promise<Conversation> {
    const conversation = await this.#client.call('conversations.rename', { id: conversationId, title });
    this.put(conversation);
    return conversation;
  }

  /** Delete a conversation (undoably, see `conversations.delete`) in the app, then take it out of the lists. */
  async delete(conversationId: string): Promise<void> {
    await this.#client.call('conversations.delete', { id: conversationId });
    this.remove(conversationId);
  }

  /** Undo a deletion in the app; the conversation is put back in its list (the refresh settles its place). */
  async restore(conversationId: string): Promise<Conversation> {
    const conversation = await this.#client.call('conversations.restore', { id: conversationId });
    this.put(conversation);
    void this.refresh().catch(() => undefined);
    return conversation;
  }
}
