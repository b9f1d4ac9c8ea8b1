import type { Database } from 'better-sqlite3';
import type { Message } from '../../common/types';
import { toMessage } from './conversation-rows';
import type { MessageRow } from './conversation-rows';
import { messageTreeSql as sql } from './message-tree-sql';
import { notFound, StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';
import { StoreError } from './store-error';
import type {
  BranchPosition,
  MessagePage,
  MessagePageRequest,
  NewerMessagePage,
  NewerMessagePageRequest,
  RevealedMessage,
} from './store-types';

/** The largest page {@link MessageTree.listMessagesPage} returns. */
export const MAX_PAGE_SIZE = 500;

/** What {@link MessageTree.deleteSubtree} did. */
export interface SubtreeDeletion {
  /** How many messages were deleted (the message and everything under it). */
  deleted: number;
  /** The conversation's current leaf afterwards (moved to the deleted message's parent if the leaf was under it). */
  currentLeafId: string | null;
}

interface MessageRef {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  seq: number;
}

/**
 * Navigating and pruning the message tree of each conversation: which alternatives a message has, which branch is
 * shown, and pages of it for long histories. Adding messages and alternatives is `ConversationStore`'s job; both
 * can share one database.
 *
 * Moving between branches changes only the conversation's current leaf, never a message: every branch stays until
 * it is deleted explicitly with {@link deleteSubtree}. None of these operations moves the conversation's `updatedAt`
 * (looking at another answer is not new activity).
 */
export class MessageTree {
  readonly #connection: StoreConnection;
  readonly #statements: Prepared<typeof sql>;

  /**
   * Use an open, migrated database; {@link close} does not close it.
   * @throws StoreError `DB_SCHEMA_MISMATCH`.
   */
  constructor(db: Database) {
    this.#connection = new StoreConnection(db);
    this.#statements = this.#connection.prepareAll(sql, 'message tree');
  }

  /**
   * The alternatives of a message, itself included, in the order they were written.
   * @throws StoreError `NOT_FOUND`.
   */
  listSiblings(messageId: string): Message[] {
    return this.#connection.run(`list the alternatives of message ${messageId}`, () => {
      const rows = this.#statements.listSiblings.all({ id: messageId }) as MessageRow[];
      if (rows.length === 0) throw notFound('message', messageId);
      return rows.map(toMessage);
    });
  }

  /**
   * Where each of `messageIds` stands among its siblings, in the same order; for the "< 2/3 >" switcher of the
   * messages on screen (pass the ids of a page). Ids that do not exist are left out.
   */
  getBranchPositions(messageIds: readonly string[]): BranchPosition[] {
    return this.#connection.run('read branch positions', () =>
      messageIds.flatMap((id) => {
        const row = this.#statements.branchPosition.get({ id }) as BranchPosition | undefined;
        return row ? [row] : [];
      }),
    );
  }

  /** {@link getBranchPositions} for the whole current branch of a conversation, oldest first. */
  listBranchPositions(conversationId: string): BranchPosition[] {
    return this.#connection.run(`read the branch positions of conversation ${conversationId}`, () => {
      const rows = this.#statements.pageFromLeaf.all({ conversationId, take: -1 }) as MessageRow[];
      return this.getBranchPositions(rows.map((row) => row.id));
    });
  }

  /**
   * Show the branch through `messageId`: the current leaf moves to the latest leaf under it (the end of the branch
   * written last below that message), so switching to an alternative answer shows how that answer's conversation
   * went on. Returns the new current leaf's id.
   * @throws StoreError `NOT_FOUND`.
   */
  switchBranch(messageId: string): string {
    return this.#connection.run(`switch to the branch of message ${messageId}`, () =>
      this.#connection.write(() => {
        const message = this.#ref(messageId);
        const { id: leafId } = this.#statements.latestLeafUnder.get({ id: messageId }) as { id: string };
        this.#statements.setCurrentLeaf.run({ conversationId: message.conversation_id, leafId });
        return leafId;
      }),
    );
  }

  /**
   * Make sure a message is on the branch its conversation shows, for jumping to a search hit: when it is already
   * there nothing changes; otherwise this is {@link switchBranch}. The UI then opens the conversation and scrolls to
   * the message.
   * @throws StoreError `NOT_FOUND`.
   */
  revealMessage(messageId: string): RevealedMessage {
    return this.#connection.run(`show message ${messageId}`, () =>
      this.#connection.write(() => {
        const message = this.#ref(messageId);
        const conversationId = message.conversation_id;
        const shown = this.#statements.onCurrentBranch.get({ conversationId, id: messageId, seq: message.seq }) !== undefined;
        if (!shown) {
          const { id: leafId } = this.#statements.latestLeafUnder.get({ id: messageId }) as { id: string };
          this.#statements.setCurrentLeaf.run({ conversationId, leafId });
        }
        return { conversationId, messageId, switchedBranch: !shown };
      }),
    );
  }

  /**
   * Delete a message and everything under it (its replies, their alternatives, and so on), in one transaction. If
   * the current leaf was among them it moves to the deleted message's parent; when that was a first message, to the
   * latest remaining message (or none). Works on chains of any depth.
   * @throws StoreError `NOT_FOUND`.
   */
  deleteSubtree(messageId: string): SubtreeDeletion {
    return this.#connection.run(`delete message ${messageId} and its replies`, () =>
      this.#connection.write(() => {
        const s = this.#statements;
        const message = this.#ref(messageId);
        const conversationId = message.conversation_id;
        const { current_leaf_id: leafBefore } = s.getCurrentLeaf.get({ conversationId }) as { current_leaf_id: string | null };
        const leafIsUnder = leafBefore !== null && s.subtreeContains.get({ id: messageId, leafId: leafBefore }) !== undefined;
        const { changes } = s.deleteSubtree.run({ id: messageId });
        let currentLeafId = leafBefore;
        if (leafIsUnder) {
          currentLeafId =
            message.parent_id ?? ((s.latestMessage.get({ conversationId }) as { id: string } | undefined)?.id ?? null);
          s.setCurrentLeaf.run({ conversationId, leafId: currentLeafId });
        }
        return { deleted: changes, currentLeafId };
      }),
    );
  }

  /**
   * A page of the current branch, oldest first: the newest `limit` messages, or the `limit` before `beforeSeq` (the
   * cursor the previous page returned). Each page costs `limit` key lookups, whatever the conversation's length.
   * The cursor belongs to the branch it came from: after {@link switchBranch}, start again from the newest page.
   * An unknown conversation gives an empty page.
   * @throws StoreError `INVALID_INPUT` for a limit outside 1–500 or a cursor that is not a positive integer.
   */
  listMessagesPage(conversationId: string, request: MessagePageRequest): MessagePage {
    return this.#connection.run(`read a page of conversation ${conversationId}`, () => {
      const { beforeSeq, limit } = request;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        throw new StoreError('INVALID_INPUT', `A page holds 1 to ${MAX_PAGE_SIZE} messages, not ${limit}`);
      }
      if (beforeSeq !== undefined && (!Number.isInteger(beforeSeq) || beforeSeq < 1)) {
        throw new StoreError('INVALID_INPUT', `Invalid page cursor ${beforeSeq}`);
      }
      // One more than asked, to know whether an older page exists without a second query.
      const take = limit + 1;
      const rows = (
        beforeSeq === undefined
          ? this.#statements.pageFromLeaf.all({ conversationId, take })
          : this.#statements.pageBefore.all({ conversationId, beforeSeq, take })
      ) as MessageRow[];
      const hasOlder = rows.length > limit;
      const page = hasOlder ? rows.slice(1) : rows;
      return { messages: page.map(toMessage), beforeSeq: hasOlder ? (page[0]?.seq ?? null) : null };
    });
  }

  /**
   * The page of the current branch right after the message numbered `afterSeq`, oldest first: for scrolling down
   * from a search hit far up a long conversation. The branch is only linked upwards (child to parent), so this walks
   * up from the leaf to the cursor: it costs the number of messages after the cursor (ids only), plus `limit` row
   * reads.
   * @throws StoreError `INVALID_INPUT` for a limit outside 1–500, or a cursor that is not a message of the current
   * branch (the branch changed since: start again from the newest page).
   */
  listMessagesAfter(conversationId: string, request: NewerMessagePageRequest): NewerMessagePage {
    return this.#connection.run(`read a newer page of conversation ${conversationId}`, () => {
      const { afterSeq, limit } = request;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        throw new StoreError('INVALID_INPUT', `A page holds 1 to ${MAX_PAGE_SIZE} messages, not ${limit}`);
      }
      if (!Number.isInteger(afterSeq) || afterSeq < 1) throw new StoreError('INVALID_INPUT', `Invalid page cursor ${afterSeq}`);
      const walk = this.#statements.walkFromLeafTo.all({ conversationId, afterSeq }) as { id: string; seq: number }[];
      const stop = walk.at(-1);
      if (stop === undefined || stop.seq !== afterSeq) {
        throw new StoreError('INVALID_INPUT', 'That page cursor is not on the branch shown now; reload the conversation');
      }
      // Newest first, the cursor last: the page is the `limit` rows just before the cursor, reversed.
      const newer = walk.slice(0, -1).reverse();
      const page = newer.slice(0, limit);
      const messages = page.length === 0 ? [] : (this.#statements.messagesByIds.all({ ids: JSON.stringify(page.map((m) => m.id)) }) as MessageRow[]).map(toMessage);
      return { messages, afterSeq: newer.length > limit ? (page.at(-1)?.seq ?? null) : null };
    });
  }

  /**
   * Messages around `messageId` on the current branch, oldest first: up to `before` older ones, the message, and up
   * to `after` newer ones, with the cursors for the pages before and after them (as {@link listMessagesPage} and
   * {@link listMessagesAfter} return them).
   * @throws StoreError `NOT_FOUND`; `INVALID_INPUT` when the message is not on the current branch, or for sizes
   * outside 1–500.
   */
  listMessagesAround(messageId: string, request: { before: number; after: number }): MessagePage & NewerMessagePage {
    return this.#connection.run(`read the messages around ${messageId}`, () => {
      const ref = this.#ref(messageId);
      const conversationId = ref.conversation_id;
      // The newer page first: it also checks that the message is on the current branch.
      const newer = this.listMessagesAfter(conversationId, { afterSeq: ref.seq, limit: request.after });
      const older = this.listMessagesPage(conversationId, { beforeSeq: ref.seq, limit: request.before });
      const [message] = (this.#statements.messagesByIds.all({ ids: JSON.stringify([messageId]) }) as MessageRow[]).map(toMessage);
      if (message === undefined) throw notFound('message', messageId);
      return { messages: [...older.messages, message, ...newer.messages], beforeSeq: older.beforeSeq, afterSeq: newer.afterSeq };
    });
  }

  /** Stop using the database: later calls fail with `DB_CLOSED`. Idempotent. */
  close(): void {
    this.#connection.close();
  }

  #ref(messageId: string): MessageRef {
    const message = this.#statements.getMessageRef.get({ id: messageId }) as MessageRef | undefined;
    if (!message) throw notFound('message', messageId);
    return message;
  }
}
