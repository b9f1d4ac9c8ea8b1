import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
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
