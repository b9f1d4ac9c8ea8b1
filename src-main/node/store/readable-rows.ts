import type { Database } from 'better-sqlite3';
import { isDamageError } from './store-error';

/**
 * Reading what can still be read from a damaged table, row by row around the damage.
 *
 * A scan (`SELECT … FROM t`) stops at the first damaged page, losing every row after it. Here rows are read in rowid
 * order in batches; when a batch fails, the rows from there on are looked up one rowid at a time (each lookup walks
 * the b-tree from its root to one leaf, so it fails only if that leaf, or a page above it, is damaged) until the
 * lookups are past the damage, and then batches go on. Rows on a damaged page are lost; every other row is read.
 *
 * Rowids of the app's tables are SQLite's own (from 1 up, in insertion order), so lookups start above 0. The end is
 * the last rowid when the right edge of the b-tree, or one of the table's indexes, can be read; else a long run of
 * lookups that find nothing.
 */

/** Rows read per batch while nothing fails (a message can hold a megabyte: a batch stays well under a gigabyte). */
const BATCH_ROWS = 100;

/** With no known last rowid (the table and all its indexes damaged), lookups stop after this many in a row find no row. */
const BLIND_LOOKUPS = 10_000;

/** What {@link readReadableRows} met. */
export interface ReadableRowsResult {
  /** Rows handed to `onRow`. */
  rows: number;
  /** True when some part of the table could not be read (its rows are lost). */
  damaged: boolean;
  /** The first damage met, for the log. */
  reason: string | null;
}

/**
 * Hand every readable row of `table` to `onRow`, in rowid order, with its rowid as `rowid`. Only damage is skipped;
 * any other failure (the disk, a locked file) is thrown. `onBatch` is told after each batch how far the read is: the
 * last rowid read, and the table's last rowid when known.
 */
export function readReadableRows<Row extends object>(
  db: Database,
  table: string,
  columns: readonly string[],
  onRow: (row: Row & { rowid: number }) => void,
  onBatch?: (rowid: number, last: number | null) => void,
): ReadableRowsResult {
  const select = `SELECT rowid AS rowid, ${columns.map(quote).join(', ')} FROM ${quote(table)}`;
  const batch = db.prepare<[number], Row & { rowid: number }>(`${select} WHERE rowid > ? ORDER BY rowid LIMIT ${BATCH_ROWS}`);
  const lookup = db.prepare<[number], Row & { rowid: number }>(`${select} WHERE rowid = ?`);
  const result: ReadableRowsResult = { rows: 0, damaged: false, reason: null };
  const damage = (error: unknown): void => {
    if (!isDamageError(error)) throw error;
    result.damaged = true;
    result.reason ??= error instanceof Error ? error.message : String(error);
  };
  const take = (row: Row & { rowid: number }): void => {
    result.rows += 1;
    onRow(row);
  };

  const last = lastRowid(db, table, damage);

  let after = 0;
  for (;;) {
    let rows: Array<Row & { rowid: number }>;
    try {
      rows = batch.all(after);
    } catch (error) {
      damage(error);
      const next = lookUpPastDamage(after, last, lookup, take, damage);
      if (next === null) return result;
      after = next;
      continue;
    }
    if (rows.length === 0) return result;
    for (const row of rows) take(row);
    after = rows[rows.length - 1]!.rowid;
    onBatch?.(after, last);
  }
}

/**
 * The table's last rowid: from the right edge of its b-tree, else from any of its indexes that can be read whole
 * (every index entry carries its row's rowid); `null` when none can.
 */
function lastRowid(db: Database, table: string, damage: (error: unknown) => void): number | null {
  try {
    return (db.prepare(`SELECT max(rowid) AS last FROM ${quote(table)}`).get() as { last: number | null }).last ?? 0;
  } catch (error) {
    damage(error);
  }
  const indexes = (db.pragma(`index_list(${quote(table)})`) as Array<{ name: string; partial: number }>).filter(
    (index) => index.partial === 0,
  );
  const [row] = firstReadable<{ last: number | null }>(
    db,
    indexes.map((index) => `SELECT max(rowid) AS last FROM ${quote(table)} INDEXED BY ${quote(index.name)}`),
  );
  return row === undefined ? null : (row.last ?? 0);
}

/**
 * After a failed batch at `after`: look rows up one rowid at a time, through the damage (lookups that fail) and out
 * of it. Returns the rowid to go on from in batches, or `null` at the end of the table.
 */
function lookUpPastDamage<Row>(
  after: number,
  last: number | null,
  lookup: { get(rowid: number): Row | undefined },
  take: (row: Row) => void,
  damage: (error: unknown) => void,
): number | null {
  let failed = false;
  let empty = 0;
  for (let rowid = after + 1; ; rowid++) {
    if (last !== null ? rowid > last : empty >= BLIND_LOOKUPS) return null;
    let row: Row | undefined;
    try {
      row = lookup.get(rowid);
    } catch (error) {
      damage(error);
      failed = true;
      if (last === null) empty += 1;
      continue;
    }
    if (row) {
      take(row);
      empty = 0;
    } else {
      empty += 1;
    }
    // Past the damage: batches again from here (a batch that still fails comes back here, a row further on).
    if (failed) return rowid;
  }
}

/**
 * The rows of the first of `queries` that can be read to the end, or `[]`: for what an index still knows about rows
 * its table can no longer give (a conversation's id and time, which messages it had). A query fails when its index is
 * damaged too, or when the file's schema version does not have that index; the next one is tried then.
 */
export function firstReadable<Row>(db: Database, queries: readonly string[]): Row[] {
  for (const sql of queries) {
    try {
      return db.prepare(sql).all() as Row[];
    } catch {
      // Try the next.
    }
  }
  return [];
}

/** An SQL identifier, quoted. */
export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
