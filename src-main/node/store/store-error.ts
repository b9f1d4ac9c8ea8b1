/**
 * The one error type the store throws. Callers branch on `code`, never on message text: the message is for logs and
 * for the human reading them, and names the file or record involved.
 */

/**
 * Why a store operation failed.
 * - `DB_UNWRITABLE`: the database folder or file cannot be created or written (permissions, read-only disk, a file
 *   where a folder should be).
 * - `DB_CORRUPT`: the file is not an SQLite database, or its pages are damaged.
 * - `DB_READ_ONLY`: the database is known to be damaged, so the store keeps it read-only: nothing is written (and so
 *   nothing is acknowledged and then lost) until it is restored; reads go on where the pages can be read.
 * - `DB_TOO_NEW`: the database was written by a newer app version (its `user_version` is above ours); we refuse to
 *   open it rather than risk misreading or damaging it.
 * - `DB_LOCKED`: another connection (usually another process) held a lock for longer than the busy timeout.
 * - `DB_FULL`: the disk is full.
 * - `DB_IO`: the operating system reported a read or write failure.
 * - `DB_SCHEMA_MISMATCH`: a store was handed a database that has not been migrated to the schema it was built for.
 * - `DB_CLOSED`: the store or its database was already closed.
 * - `NOT_FOUND`: the conversation or message named by an id does not exist.
 * - `NOT_STREAMING`: text was appended to, or an outcome recorded for, a message that is no longer streaming.
 * - `INVALID_INPUT`: a value failed validation (a setting out of range, an unknown settings key, a sibling of a
 *   message that cannot have one); the message says which field and why.
 * - `TOO_LARGE`: a text is longer than its limit (message text, title, system prompt); the message names the limit.
 * - `DB_ERROR`: any other SQLite failure (a bug, most likely); `cause` holds the original error.
 */
export type StoreErrorCode =
  | 'DB_UNWRITABLE'
  | 'DB_CORRUPT'
  | 'DB_READ_ONLY'
  | 'DB_TOO_NEW'
  | 'DB_LOCKED'
  | 'DB_FULL'
  | 'DB_IO'
  | 'DB_SCHEMA_MISMATCH'
  | 'DB_CLOSED'
  | 'NOT_FOUND'
  | 'NOT_STREAMING'
  | 'INVALID_INPUT'
  | 'TOO_LARGE'
  | 'DB_ERROR';

/** A store failure with a stable, machine-readable `code`. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

/**
 * SQLite primary result codes, as better-sqlite3 spells them in `SqliteError.code` (extended codes such as
 * `SQLITE_BUSY_SNAPSHOT` or `SQLITE_IOERR_WRITE` start with one of these), mapped to our codes.
 */
const SQLITE_CODES: ReadonlyArray<readonly [prefix: string, code: StoreErrorCode, why: string]> = [
  ['SQLITE_BUSY', 'DB_LOCKED', 'the database is locked by another connection'],
  ['SQLITE_LOCKED', 'DB_LOCKED', 'the database is locked by another connection'],
  ['SQLITE_NOTADB', 'DB_CORRUPT', 'the file is not a database'],
  ['SQLITE_CORRUPT', 'DB_CORRUPT', 'the database file is damaged'],
  ['SQLITE_READONLY', 'DB_UNWRITABLE', 'the database cannot be written'],
  ['SQLITE_CANTOPEN', 'DB_UNWRITABLE', 'the database file cannot be opened for writing'],
  ['SQLITE_PERM', 'DB_UNWRITABLE', 'permission to write the database was denied'],
  ['SQLITE_FULL', 'DB_FULL', 'the disk is full'],
  ['SQLITE_IOERR', 'DB_IO', 'the operating system failed to read or write the database'],
];

/** Node `fs` error codes that mean "you cannot create or write here". */
const UNWRITABLE_FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR']);

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * True when `error` says the database file is damaged: SQLite's `SQLITE_CORRUPT` (and its extended codes) or
 * `SQLITE_NOTADB`, or a {@link StoreError} `DB_CORRUPT` made from one.
 */
export function isDamageError(error: unknown): boolean {
  if (error instanceof StoreError) return error.code === 'DB_CORRUPT';
  const code = errorCodeOf(error);
  return code !== undefined && (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_'));
}

/**
 * Turn anything thrown by better-sqlite3 or `node:fs` into a {@link StoreError}; a `StoreError` passes through
 * untouched. `doing` says what was attempted ("open /x/phi.sqlite") and starts the message.
 */
export function toStoreError(error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const code = errorCodeOf(error);
  if (code !== undefined) {
    for (const [prefix, storeCode, why] of SQLITE_CODES) {
      // Exact match or an extended code (`SQLITE_BUSY_SNAPSHOT`), never a different code sharing a prefix.
      if (code === prefix || code.startsWith(`${prefix}_`)) {
        return new StoreError(storeCode, `Could not ${doing}: ${why} (${code}: ${detail})`, { cause: error });
      }
    }
    if (UNWRITABLE_FS_CODES.has(code)) {
      return new StoreError('DB_UNWRITABLE', `Could not ${doing}: the location is not writable (${detail})`, {
        cause: error,
      });
    }
  }
  return new StoreError('DB_ERROR', `Could not ${doing}: ${detail}`, { cause: error });
}
