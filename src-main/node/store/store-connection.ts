import type { Database, Statement } from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, readSchemaVersion } from './migrations';
import { StoreError, toStoreError } from './store-error';
import { readOnlyError, StoreHealth } from './store-health';

/** Named parameters of every statement the store runs (`@name` in the SQL). */
export type Params = Record<string, string | number | bigint | null>;

/** A map of statement names to prepared statements, for a map of names to SQL. */
export type Prepared<T extends Record<string, string>> = { [K in keyof T]: Statement<[Params]> };

/**
 * What every part of the store shares about its database: the schema check, prepared statements, the clock, the
 * "closed" state, `BEGIN IMMEDIATE` writes, the translation of every failure into a {@link StoreError}, and the
 * database's {@link StoreHealth}: a failure that says the file is damaged makes the whole store read-only.
 *
 * Several parts (conversations, the message tree, search, settings) can use one database, each through its own
 * connection object, so each part can be closed (and fail with `DB_CLOSED`) on its own; none closes the database.
 */
export class StoreConnection {
  readonly db: Database;
  readonly now: () => number;
  /** Shared with every other part on the same database. */
  readonly health: StoreHealth;
  #closed = false;

  /** @throws StoreError `DB_SCHEMA_MISMATCH` when `db` is not at the schema version this build expects. */
  constructor(db: Database, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    this.health = StoreHealth.of(db);
    const version = readSchemaVersion(db);
    if (version !== LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        'DB_SCHEMA_MISMATCH',
        `The database ${db.name} is at schema version ${version}, but the store needs ${LATEST_SCHEMA_VERSION}; open it with openDatabase()`,
      );
    }
  }

  /** Prepare every statement of `sql` once, up front, so a typo fails at start rather than on first use. */
  prepareAll<T extends Record<string, string>>(sql: T, what: string): Prepared<T> {
    try {
      const entries = Object.entries(sql).map(([name, text]) => [name, this.db.prepare<[Params]>(text)]);
      return Object.fromEntries(entries) as Prepared<T>;
    } catch (error) {
      throw this.#failure(error, `prepare the ${what} on ${this.db.name}`);
    }
  }

  /**
   * Run `fn` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a second process makes it
   * wait (up to the busy timeout) rather than fail half-way with a lock upgrade error. Nested calls become savepoints.
   * @throws StoreError `DB_READ_ONLY`, before anything is written, once the database is known to be damaged.
   */
  write<T>(fn: () => T): T {
    this.health.assertWritable();
    return this.db.transaction(fn).immediate();
  }

  /**
   * Run a public operation, turning every failure into a StoreError whose message starts with what was being done.
   * A failure that says the file is damaged (`DB_CORRUPT`) is also reported to {@link health}.
   */
  run<T>(doing: string, fn: () => T): T {
    if (this.#closed || !this.db.open) throw new StoreError('DB_CLOSED', `Could not ${doing}: the store is closed`);
    try {
      return fn();
    } catch (error) {
      throw this.#failure(error, doing);
    }
  }

  #failure(error: unknown, doing: string): StoreError {
    const failure = toStoreError(error, doing);
    if (failure.code === 'DB_CORRUPT') this.health.reportDamage(failure.message);
    // A statement refused by `query_only` after the damage was found: the same refusal as `write` gives.
    if (failure.code === 'DB_UNWRITABLE' && this.health.damage !== null) return readOnlyError(this.health.damage, error);
    return failure;
  }

  /** Every later {@link run} fails with `DB_CLOSED`. The database itself stays open for its owner. Idempotent. */
  close(): void {
    this.#closed = true;
  }
}

/** A `NOT_FOUND` error naming what was missing. */
export function notFound(what: 'conversation' | 'message', id: string): StoreError {
  return new StoreError('NOT_FOUND', `No ${what} ${id}`);
}
