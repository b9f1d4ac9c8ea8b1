import type { Database } from 'better-sqlite3';
import type { MessageRole, SearchResults } from '../../common/types';
import { buildMatchExpression, parseSearchTerms, toMarkedRuns } from './search-query';
import type { PrefixExpander } from './search-query';
import { foldTokens, rankCandidates } from './search-ranking';
import { searchSql as sql } from './search-sql';
import { StoreConnection } from './store-connection';
import type { Prepared } from './store-connection';
import { StoreError } from './store-error';
import type { ConversationSearchHit, MessageSearchHit, SearchOptions } from './store-types';

/** Hits per page when the caller does not say. */
export const DEFAULT_SEARCH_LIMIT = 50;
/** The most hits one call returns. */
export const MAX_SEARCH_LIMIT = 200;
/** Words of context in a message snippet (FTS5 allows up to 64). */
const SNIPPET_TOKENS = 16;
/**
 * How many of the newest matching messages are ranked (see `searchMessages` in search-sql.ts and
 * search-ranking.ts): enough that a query matching fewer messages is ranked in full, few enough that a common word
 * stays within the 50 ms budget on a large history. Paging (`offset`) stays within these.
 */
export const RANKED_CANDIDATES = 250;
/**
 * The most messages of a date range read to find their rowid span (see `dateRowids` in search-sql.ts), from the
 * index alone: about 0.2 µs each, so at most some 20 ms. A range holding more is left unbounded: the walk filters
 * by date as it goes, which is quick when the range reaches the newest messages and slow when it is wide and old.
 */
export const DATE_RANGE_SCAN_CAP = 100_000;
/**
 * A typed word that starts more index terms than this stays an FTS5 prefix query (see `buildMatchExpression` in
 * search-query.ts): an OR of hundreds of rare terms costs more to set up than their merge.
 */
const MAX_PREFIX_EXPANSION = 64;
/** Above every character: `word + PAST_EVERY_CHARACTER` bounds the terms that start with `word`. */
const PAST_EVERY_CHARACTER = '\u{10ffff}';

interface RowidSpan {
  low: number;
  high: number;
}

/** The whole rowid space: no bound. */
const ALL_ROWIDS: RowidSpan = { low: 0, high: Number.MAX_SAFE_INTEGER };

interface MessageHitRow {
  rowid: number;
  content: string;
  messageId: string;
  conversationId: string;
  conversationTitle: string;
  role: MessageRole;
  createdAt: number;
  snippet: string | null;
}

interface ConversationHitRow {
  conversationId: string;
  title: string;
  updatedAt: number;
  archived: number;
}

/** Both kinds of hit for one query (the contract's shape). */
export type { SearchResults };

/**
 * Full-text search over message text (every branch of every conversation, archived ones included) and conversation
 * titles, using the FTS5 indexes that migration 004 keeps in sync by triggers. Message hits are ranked BM25-style
 * (term frequency and length, see search-ranking.ts) among the newest {@link RANKED_CANDIDATES} matches, titles by
 * FTS5's bm25; hits carry a highlighted snippet as plain-text runs, and name the conversation and message so the UI
 * can open it exactly.
 *
 * A reply is searchable once it stops streaming (see migration 004).
 */
export class MessageSearch {
  readonly #connection: StoreConnection;
  readonly #statements: Prepared<typeof sql>;

  /**
   * Use an open, migrated database; {@link close} does not close it.
   * @throws StoreError `DB_SCHEMA_MISMATCH`.
   */
  constructor(db: Database) {
    this.#connection = new StoreConnection(db);
    this.#statements = this.#connection.prepareAll(sql, 'search');
  }

  /** Messages and conversation titles matching `query`; see {@link searchMessages} for the query language. */
  search(query: string, options: SearchOptions = {}): SearchResults {
    return { conversations: this.searchConversations(query, options), messages: this.searchMessages(query, options) };
  }

  /**
   * Messages matching what the user typed, best first. Words are ANDed and each is a prefix ("lisb" finds
   * "Lisbon"); `"in quotes"` is an exact phrase; case and accents are ignored; FTS5 operators in the text are
   * treated as plain words. Nothing to search for (blank, only punctuation) gives no hits. When more than
   * {@link RANKED_CANDIDATES} messages match, the best of the newest that many are returned. To open a hit, call
   * `MessageTree.revealMessage(messageId)`: it switches to the hit's branch if it is not the one shown.
   * @throws StoreError `INVALID_INPUT` for a limit outside 1–200, a negative offset, or a bad date range.
   */
  searchMessages(query: string, options: SearchOptions = {}): MessageSearchHit[] {
    return this.#connection.run('search messages', () => {
      const params = this.#params(query, options, this.#expandPrefix);
      if (!params) return [];
      const span = this.#rowidSpan(params);
      if (span === null) return [];
      const rows = this.#statements.searchMessages.all({
        ...params,
        candidates: RANKED_CANDIDATES,
        snippetTokens: SNIPPET_TOKENS,
        lowRowid: span.low,
        highRowid: span.high,
      }) as MessageHitRow[];
      const terms = parseSearchTerms(query).map((term) => ({ tokens: foldTokens(term.text), prefix: term.prefix }));
      const page = rankCandidates(rows, terms).slice(params.offset, params.offset + params.limit);
      return page.map((row) => ({
        conversationId: row.conversationId,
        conversationTitle: row.conversationTitle,
        messageId: row.messageId,
        role: row.role,
        createdAt: row.createdAt,
        snippet: toMarkedRuns(row.snippet ?? ''),
      }));
    });
  }

  /**
   * The rowid span the message walk may be limited to: that of the conversation's messages and of the date range's
   * (when it holds at most {@link DATE_RANGE_SCAN_CAP} messages), or `null` when one of them is empty. A conversation
   * written to over a long time has a wide span; the walk then also filters by conversation as it goes, which for a
   * common word in a large history costs hundreds of milliseconds (not measured by the store bench).
   */
  #rowidSpan(params: { conversationId: string | null; from: number | null; to: number | null }): RowidSpan | null {
    let span = ALL_ROWIDS;
    if (params.conversationId !== null) {
      const conversation = this.#statements.conversationRowids.get({ conversationId: params.conversationId }) as
        | { low: number | null; high: number | null };
      if (conversation.low === null || conversation.high === null) return null;
      span = { low: conversation.low, high: conversation.high };
    }
    if (params.from !== null || params.to !== null) {
      const dates = this.#statements.dateRowids.get({
        fromAt: params.from ?? Number.MIN_SAFE_INTEGER,
        toAt: params.to ?? Number.MAX_SAFE_INTEGER,
        scanCap: DATE_RANGE_SCAN_CAP,
      }) as { low: number | null; high: number | null; count: number };
      if (dates.low === null || dates.high === null) return null;
      if (dates.count < DATE_RANGE_SCAN_CAP) span = { low: Math.max(span.low, dates.low), high: Math.min(span.high, dates.high) };
    }
    return span.low <= span.high ? span : null;
  }

  /**
   * Conversations whose title matches, best first; `from`/`to` filter on the last update.
   * @throws StoreError `INVALID_INPUT` as {@link searchMessages}.
   */
  searchConversations(query: string, options: SearchOptions = {}): ConversationSearchHit[] {
    return this.#connection.run('search conversation titles', () => {
      const params = this.#params(query, options);
      if (!params) return [];
      return (this.#statements.searchConversations.all(params) as ConversationHitRow[]).map((row) => ({
        conversationId: row.conversationId,
        title: toMarkedRuns(row.title),
        updatedAt: row.updatedAt,
        archived: row.archived === 1,
      }));
    });
  }

  /**
   * Rebuild both indexes from the messages and titles, in one transaction: the repair for an index that
   * {@link verifySearchIndex} finds out of step (after a manual edit of the file, say). Takes seconds on a large
   * history; the old index serves searches until it commits.
   */
  rebuildSearchIndex(): void {
    this.#connection.run('rebuild the search index', () =>
      this.#connection.write(() => {
        this.#statements.rebuildMessages.run({});
        this.#statements.rebuildConversations.run({});
      }),
    );
  }

  /** True when both indexes match the rows they index (FTS5's integrity-check against the content). */
  verifySearchIndex(): boolean {
    return this.#connection.run('check the search index', () => {
      try {
        this.#statements.checkMessages.run({});
        this.#statements.checkConversations.run({});
        return true;
      } catch (error) {
        // FTS5 reports a mismatch as SQLITE_CORRUPT_VTAB; anything else is a real failure.
        if (error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CORRUPT')) return false;
        throw error;
      }
    });
  }

  /** Merge the indexes' segments (FTS5 `optimize`): smaller and faster afterwards; for idle time, e.g. after a backup. */
  optimizeSearchIndex(): void {
    this.#connection.run('optimize the search index', () =>
      this.#connection.write(() => {
        this.#statements.optimizeMessages.run({});
        this.#statements.optimizeConversations.run({});
      }),
    );
  }

  /** Stop using the database: later calls fail with `DB_CLOSED`. Idempotent. */
  close(): void {
    this.#connection.close();
  }

  /** The message index's terms that start with `word`, or `null` when there are too many (see search-query.ts). */
  readonly #expandPrefix = (word: string): string[] | null => {
    const terms = this.#statements.prefixTerms
      .pluck()
      .all({ low: word, high: word + PAST_EVERY_CHARACTER, cap: MAX_PREFIX_EXPANSION + 1 }) as string[];
    return terms.length > MAX_PREFIX_EXPANSION ? null : terms;
  };

  #params(query: string, options: SearchOptions, expand?: PrefixExpander) {
    const { conversationId = null, from = null, to = null, limit = DEFAULT_SEARCH_LIMIT, offset = 0 } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new StoreError('INVALID_INPUT', `A search returns 1 to ${MAX_SEARCH_LIMIT} hits, not ${limit}`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw new StoreError('INVALID_INPUT', `Invalid search offset ${offset}`);
    for (const time of [from, to]) {
      if (time !== null && !Number.isFinite(time)) throw new StoreError('INVALID_INPUT', `Invalid search date ${time}`);
    }
    const match = buildMatchExpression(query, expand);
    return match === null ? null : { match, conversationId, from, to, limit, offset };
  }
}
