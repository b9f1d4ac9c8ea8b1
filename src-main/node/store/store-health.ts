import type { Database } from 'better-sqlite3';
import { Emitter } from '../../common/emitter';
import { StoreError } from './store-error';

/** One {@link StoreHealth} per open database, shared by every part of the store that uses it. */
const healthOf = new WeakMap<Database, StoreHealth>();

/**
 * Whether a database is known to be damaged. Damage becomes known from the check at open (see `integrity-walk.ts`)
 * or from any statement that fails with `SQLITE_CORRUPT` or `SQLITE_NOTADB` while the app runs (see
 * `StoreConnection.run`), whichever comes first.
 *
 * From then on the database is read-only, for every part of the store at once: writing into a damaged b-tree can
 * spread the damage, and a write that seems to succeed is lost anyway when the file is later replaced by a backup.
 * So a write is refused with `DB_READ_ONLY` before it starts (never acknowledged and then lost), and the connection
 * is switched to `PRAGMA query_only` as a second lock. Reads go on wherever the pages can be read, so the user can
 * still read and export what is there. The state lasts until the store is closed; the next start restores a backup
 * and salvages what can be read (see `salvage.ts`).
 */
export class StoreHealth {
  readonly #db: Database;
  #damage: string | null = null;
  // A listener's failure (a notice that cannot be pushed) must not stop the others or the caller.
  readonly #damaged = new Emitter<string>(() => undefined);

  private constructor(db: Database) {
    this.#db = db;
  }

  /** The health of `db`, the same object for every caller. */
  static of(db: Database): StoreHealth {
    let health = healthOf.get(db);
    if (!health) {
      health = new StoreHealth(db);
      healthOf.set(db, health);
    }
    return health;
  }

  /** What was found wrong, or `null` while the database is not known to be damaged. */
  get damage(): string | null {
    return this.#damage;
  }

  /**
   * Record that the database is damaged. The first report makes it read-only and tells every listener; later ones
   * change nothing (the first reason is kept: it is the one the user was told).
   */
  reportDamage(reason: string): void {
    if (this.#damage !== null) return;
    this.#damage = reason;
    try {
      if (this.#db.open) this.#db.pragma('query_only = ON');
    } catch {
      // `assertWritable` refuses every write of the store anyway; query_only only guards the rest.
    }
    this.#damaged.emit(reason);
  }

  /** Call `listener` once the database is found damaged (at once if it already is). Returns an unsubscribe function. */
  onDamage(listener: (reason: string) => void): () => void {
    if (this.#damage !== null) {
      listener(this.#damage);
      return () => {};
    }
    return this.#damaged.on(listener);
  }

  /** @throws StoreError `DB_READ_ONLY` once the database is known to be damaged. */
  assertWritable(): void {
    if (this.#damage !== null) throw readOnlyError(this.#damage);
  }
}

/** The refusal of a write to a damaged database; the reason is the damage first found. */
export function readOnlyError(reason: string, cause?: unknown): StoreError {
  return new StoreError(
    'DB_READ_ONLY',
    `The database is damaged, so it is kept read-only and nothing new is saved until it is restored (${reason})`,
    cause === undefined ? undefined : { cause },
  );
}
