/**
 * The store benchmarks' synthetic history (by default 100,000 conversations and 1,000,000 messages, one of them a
 * 10,000-message conversation), built once and kept under `.bench/store/` in the checkout (git-ignored;
 * `$PHI_DESK_BENCH_STORE_CACHE` to move it): a million messages take minutes to write and 1.5 GB of disk, so every
 * run after the first copies the cached file instead.
 *
 * Two files are kept per shape: the history at schema version 4 (before migration 005, the one that rebuilds the
 * search index over every message: the start-up benchmark's "pending migration" case), and the same history migrated
 * by the app's own migrations to the current version. A file is written under a temporary name and renamed into place
 * when complete, with a JSON sidecar naming its shape, so an interrupted build is never taken for a finished one.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/node/store/migrations';
import { closeDatabase, openDatabase } from '../../../src-main/node/store/open-database';
import { seededRandom, WordList } from './synthetic-text';

/** What the synthetic history holds. */
export interface HistoryShape {
  conversations: number;
  messages: number;
  /** Length of the one long conversation (a single chain). */
  longConversation: number;
  seed: number;
}

/** A built history file and what the benchmarks need to know of it. */
export interface BenchHistory {
  file: string;
  shape: HistoryShape;
  schemaVersion: number;
  /** The id of the long conversation. */
  longId: string;
  /** Epoch ms of the first conversation (the histories span two years from it). */
  start: number;
  /** Seconds it took to build (or migrate) when it was made. */
  buildSeconds: number;
  /** True when this call built it; false when it came from the cache. */
  built: boolean;
}

/** The schema version of the "before the update" file: migration 005 and later are pending in it. */
export const PRE_SEARCH_SPEED_VERSION = 4;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where built histories are kept. */
export function historyCacheFolder(): string {
  return resolve(process.env.PHI_DESK_BENCH_STORE_CACHE ?? join(ROOT, '.bench', 'store'));
}

/**
 * The history of `shape` at `schemaVersion` (4, or the current version), from the cache or built now. Treat the file
 * as read-only: copy it before opening it with the app.
 */
export function cachedHistory(shape: HistoryShape, schemaVersion: number, log: (line: string) => void): BenchHistory {
  if (schemaVersion !== PRE_SEARCH_SPEED_VERSION && schemaVersion !== LATEST_SCHEMA_VERSION) {
    throw new Error(`histories are kept at version ${PRE_SEARCH_SPEED_VERSION} or ${LATEST_SCHEMA_VERSION}, not ${schemaVersion}`);
  }
  const folder = historyCacheFolder();
  mkdirSync(folder, { recursive: true });
  const name = `history-${shape.conversations}c-${shape.messages}m-${shape.longConversation}l-s${shape.seed}-v${schemaVersion}`;
  const file = join(folder, `${name}.sqlite`);
  const sidecar = join(folder, `${name}.json`);
  const cached = readSidecar(sidecar, file, shape, schemaVersion);
  if (cached) return cached;

  const temporary = `${file}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(temporary + suffix, { force: true });
  const started = performance.now();
  let facts: { longId: string; start: number };
  if (schemaVersion === PRE_SEARCH_SPEED_VERSION) {
    log(`building ${describeShape(shape)} at schema version ${schemaVersion} into ${folder} (once; later runs reuse it)`);
    facts = buildHistory(temporary, shape, { migrations: MIGRATIONS.slice(0, PRE_SEARCH_SPEED_VERSION), log });
  } else {
    const older = cachedHistory(shape, PRE_SEARCH_SPEED_VERSION, log);
    log(`migrating a copy of ${older.file} to schema version ${schemaVersion} (once; later runs reuse it)`);
    copyFileSync(older.file, temporary);
    let shown = '';
    const db = openDatabase(temporary, {
      backupBeforeMigration: false,
      onProgress: (progress) => {
        if (progress.step !== 'migrate') return;
        const line = `  ${String(progress.version).padStart(3, '0')}-${progress.name}: ${Math.floor((progress.progress?.fraction ?? 0) * 10) * 10}%`;
        if (line !== shown) log(`${line} (${Math.round((performance.now() - started) / 1000)} s)`);
        shown = line;
      },
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
    closeDatabase(db);
    facts = { longId: older.longId, start: older.start };
  }
  const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
  renameSync(temporary, file);
  const history: BenchHistory = { file, shape, schemaVersion, ...facts, buildSeconds, built: true };
  writeFileSync(sidecar, `${JSON.stringify({ shape, schemaVersion, ...facts, buildSeconds }, null, 2)}\n`);
  log(`  done in ${buildSeconds} s`);
  return history;
}

function readSidecar(sidecar: string, file: string, shape: HistoryShape, schemaVersion: number): BenchHistory | null {
  if (!existsSync(sidecar) || !existsSync(file)) return null;
  try {
    const saved = JSON.parse(readFileSync(sidecar, 'utf8')) as Omit<BenchHistory, 'file' | 'built'>;
    const same = JSON.stringify(saved.shape) === JSON.stringify(shape) && saved.schemaVersion === schemaVersion;
    return same ? { ...saved, file, built: false } : null;
  } catch {
    return null;
  }
}

export function describeShape(shape: HistoryShape): string {
  return `${shape.conversations.toLocaleString('en-US')} conversations / ${shape.messages.toLocaleString('en-US')} messages`;
}

/**
 * Write the history into a new database at `file` in one transaction with prepared statements; the search triggers
 * index the messages as they go in. Returns the long conversation's id and the first conversation's time.
 */
export function buildHistory(
  file: string,
  shape: HistoryShape,
  options: { migrations?: typeof MIGRATIONS; log?: (line: string) => void } = {},
): { longId: string; start: number } {
  const { conversations, messages, longConversation } = shape;
  const log = options.log ?? (() => undefined);
  const random = seededRandom(shape.seed);
  const words = new WordList(random);
  const db = openDatabase(file, options.migrations ? { migrations: options.migrations } : {});
  const start = Date.UTC(2023, 0, 1);
  const insertConversation = db.prepare(
    'INSERT INTO conversations (id, title, created_at, updated_at) VALUES (@id, @title, @createdAt, @updatedAt)',
  );
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
     VALUES (@id, @conversationId, @parentId, @seq, @role, @content, 'complete', @createdAt)`,
  );
  const setLeaf = db.prepare('UPDATE conversations SET current_leaf_id = @leaf WHERE id = @id');
  let longId = '';
  db.transaction(() => {
    let remaining = messages;
    for (let c = 0; c < conversations; c++) {
      const id = randomUUID();
      const createdAt = start + Math.floor((c / conversations) * 730 * 24 * 3600 * 1000);
      const left = conversations - c;
      const count = c === 0 ? Math.min(longConversation, remaining) : Math.max(0, Math.round(remaining / left + (random() - 0.5) * 8));
      const length = c === conversations - 1 ? remaining : Math.min(count, remaining);
      remaining -= length;
      insertConversation.run({ id, title: words.text(2, 6).slice(0, -1), createdAt, updatedAt: createdAt + length * 60_000 });
      if (c === 0) longId = id;
      let parentId: string | null = null;
      for (let seq = 1; seq <= length; seq++) {
        const messageId = randomUUID();
        const user = seq % 2 === 1;
        insertMessage.run({
          id: messageId,
          conversationId: id,
          parentId,
          seq,
          role: user ? 'user' : 'assistant',
          content: user ? words.text(5, 30) : words.text(20, 90),
          createdAt: createdAt + seq * 30_000,
        });
        parentId = messageId;
      }
      if (parentId) setLeaf.run({ leaf: parentId, id });
      if (c % 10_000 === 0 && c > 0) log(`  ${c.toLocaleString('en-US')} conversations, ${(messages - remaining).toLocaleString('en-US')} messages`);
    }
  })();
  log('  optimizing the search index');
  db.prepare("INSERT INTO messages_search (messages_search) VALUES ('optimize')").run();
  db.pragma('wal_checkpoint(TRUNCATE)');
  closeDatabase(db);
  return { longId, start };
}
