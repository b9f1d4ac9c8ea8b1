import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

/**
 * Shared test plumbing: a fresh temp folder per test (removed afterwards), and a second process that holds a
 * database's write lock. Tests use real SQLite files, never `:memory:`, so WAL, locks and reopening are real.
 */

const folders: string[] = [];
const cleanups: Array<() => void> = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A new empty folder under the OS temp dir, deleted after the test. */
export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'phi-desk-store-'));
  folders.push(folder);
  return folder;
}

/** A database path in a fresh temp folder (the file does not exist yet). */
export function tempDbPath(name = 'conversations.sqlite'): string {
  return join(tempFolder(), name);
}

/** Run `cleanup` after the test, before its folder is removed (close databases so Windows could delete them). */
export function onCleanup(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** The `detail` lines of `EXPLAIN QUERY PLAN sql`, with every named parameter bound to null. */
export function queryPlan(db: Database, sql: string): string[] {
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const names = [...new Set(sql.match(/@\w+/g) ?? [])].map((name) => name.slice(1));
  const params = Object.fromEntries(names.map((name) => [name, null]));
  return (statement.all(params) as Array<{ detail: string }>).map((row) => row.detail);
}

/** True when this process can write anywhere regardless of permissions (root in CI containers). */
export const runningAsRoot = process.getuid?.() === 0;

/** A handle on a child process that holds a `BEGIN IMMEDIATE` write lock on a database. */
export interface LockHolder {
  /** Roll back, close and wait for the process to exit. */
  release(): Promise<void>;
}

/**
 * Start another Node process that opens `file` with better-sqlite3 and holds its write lock until released: the
 * real situation (a second app instance, the browser host) rather than a second connection in this process.
 */
export async function holdWriteLock(file: string): Promise<LockHolder> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code}): ${stderr}`)));
  });
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    child.stdin.end();
    await exited;
  };
  onCleanup(() => {
    if (!released) child.kill('SIGKILL');
  });
  return { release };
}

/**
 * Damage a closed database file the way a bad disk or a half-copied sync would: overwrite the root pages of the
 * named tables and indexes with bytes that are no valid page type (0xAB), keeping the schema pages intact so the
 * file still opens and the damage is found only when those b-trees are read.
 */
export function corruptBTrees(file: string, names: readonly string[]): void {
  const reader = new Sqlite(file, { readonly: true });
  const placeholders = names.map(() => '?').join(', ');
  const roots = reader.prepare(`SELECT rootpage FROM sqlite_schema WHERE name IN (${placeholders})`).pluck().all(...names) as number[];
  reader.close();
  if (roots.length !== names.length) throw new Error(`not every b-tree of ${names.join(', ')} exists`);
  const bytes = readFileSync(file);
  const pageSize = bytes.readUInt16BE(16);
  for (const root of roots) bytes.fill(0xab, (root - 1) * pageSize, root * pageSize);
  writeFileSync(file, bytes);
}

/**
 * A migrated database with a realistic spread of rows (many conversations, one long chain, some branches) and
 * planner statistics (`ANALYZE`), as a user's file has them after `PRAGMA optimize`. Query plans on an empty file can
 * differ from the plans SQLite picks once it has statistics, so plan tests run on this.
 */
export function analyzedDatabase(open: (file: string) => Database): Database {
  const db = open(tempDbPath());
  const conversation = db.prepare('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, 0, ?)');
  const message = db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at)
     VALUES (?, ?, ?, ?, 'user', ?, 'complete', 0)`,
  );
  const leaf = db.prepare('UPDATE conversations SET current_leaf_id = ? WHERE id = ?');
  db.transaction(() => {
    for (let c = 0; c < 200; c++) {
      const id = `c${c}`;
      conversation.run(id, `title ${c}`, c);
      const length = c === 0 ? 2000 : 10;
      for (let seq = 1; seq <= length; seq++) {
        // Every fifth message is an alternative to the one before it (same parent).
        const parentSeq = seq % 5 === 0 ? seq - 2 : seq - 1;
        message.run(`${id}-${seq}`, id, parentSeq > 0 ? `${id}-${parentSeq}` : null, seq, `text ${seq} of ${id}`);
      }
      leaf.run(`${id}-${length}`, id);
    }
  })();
  db.exec('ANALYZE');
  return db;
}

