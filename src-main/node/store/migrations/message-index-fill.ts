import type { Database } from 'better-sqlite3';
import type { MigrationProgress } from './migration';

/**
 * Building the message search index (`messages_search`, FTS5) over every message, in steps that report progress:
 * what FTS5's own `'rebuild'` and `'optimize'` do, each of which is one statement that runs for minutes over a
 * million messages and says nothing meanwhile.
 *
 * - {@link fillMessageIndex}: the messages, a batch of rowids at a time, in rowid order, into the freshly created (empty)
 *   index, through its content view `messages_searchable` (so streaming replies stay out, as with `'rebuild'`). FTS5
 *   writes what it collects in segments exactly as a rebuild does.
 * - {@link mergeMessageIndex}: those segments merged into one, a few thousand pages a step (`'merge'` with a negative
 *   count: the first step puts every segment on one level, as `'optimize'` does, and each step goes on with the same
 *   merge). It is done when a step writes nothing (`total_changes()` moves by less than 2, as the FTS5 manual says).
 *
 * Both run inside the migration's transaction: a kill in the middle leaves the index as it was before the step.
 */

/** Messages read per batch: a few milliseconds of work, so progress moves smoothly. */
const FILL_BATCH_ROWS = 2000;

/** Pages written per merge step. */
const MERGE_STEP_PAGES = 2000;

/** The share of `span` the fill takes when a merge follows it (measured: the merge takes about a third as long). */
export const FILL_SHARE = 0.75;

type Report = (progress: MigrationProgress) => void;

/**
 * Index every message (not a streaming reply) into the empty `messages_search`, reporting `fraction` from `span[0]` to
 * `span[1]` with the count of messages.
 */
export function fillMessageIndex(db: Database, report: Report, span: readonly [number, number] = [0, 1]): void {
  const total = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  const nextBatch = db.prepare<{ after: number; limit: number }, { until: number | null; rows: number }>(
    'SELECT max(r) AS until, count(*) AS rows FROM (SELECT rowid AS r FROM messages WHERE rowid > @after ORDER BY rowid LIMIT @limit)',
  );
  const insert = db.prepare<{ after: number; until: number }>(
    `INSERT INTO messages_search (rowid, content)
       SELECT rowid, content FROM messages_searchable WHERE rowid > @after AND rowid <= @until ORDER BY rowid`,
  );
  const [from, to] = span;
  let done = 0;
  let after = 0;
  report({ fraction: from, count: { done, total, unit: 'messages' } });
  for (;;) {
    const { until, rows } = nextBatch.get({ after, limit: FILL_BATCH_ROWS }) ?? { until: null, rows: 0 };
    if (until === null) break;
    insert.run({ after, until });
    after = until;
    done = Math.min(total, done + rows);
    report({ fraction: from + (to - from) * (total === 0 ? 1 : done / total), count: { done, total, unit: 'messages' } });
  }
}

/** Merge the message index into one segment in steps (the incremental `'optimize'`), reporting from `span[0]` to `span[1]`. */
export function mergeMessageIndex(db: Database, report: Report, span: readonly [number, number] = [0, 1]): void {
  // Merging rewrites the whole index once: its pages (one row of the data table each) are the work to do.
  const pages = Math.max(1, (db.prepare('SELECT count(*) AS n FROM messages_search_data').get() as { n: number }).n);
  const changes = db.prepare<[], { n: number }>('SELECT total_changes() AS n');
  const merge = db.prepare<[number]>(`INSERT INTO messages_search (messages_search, rank) VALUES ('merge', ?)`);
  const [from, to] = span;
  let written = 0;
  for (;;) {
    const before = changes.get()!.n;
    merge.run(-MERGE_STEP_PAGES);
    if (changes.get()!.n - before < 2) break;
    written += MERGE_STEP_PAGES;
    // The page count is the index before merging; the merge may write somewhat more or less: never past the end.
    report({ fraction: from + (to - from) * Math.min(0.99, written / pages), activity: 'merging the search index' });
  }
  report({ fraction: to, activity: 'merging the search index' });
}
