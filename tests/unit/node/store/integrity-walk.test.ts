import { writeFileSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { IntegrityWalk } from '../../../../src-main/node/store/integrity-walk';
import { openTestStore } from './store-fixtures';
import { onCleanup, tempDbPath } from './temp-store';
import { conversation, corruptPages, write } from '../../../fixtures/damaged-database';

/**
 * The check at every start: every row of every table and every entry of every index read, a step at a time, on a
 * connection of its own. Real files, damaged on disk page by page.
 */

/** A closed database with a few hundred page-filling messages, so every b-tree has several leaf pages. */
function history(): string {
  const file = tempDbPath();
  const store = openTestStore(file);
  for (let c = 0; c < 12; c++) {
    const id = conversation(store, `Trip ${c}`);
    let parent = null;
    for (let m = 0; m < 25; m++) parent = write(store, id, parent, m % 2 === 0 ? 'user' : 'assistant', `c${c}m${m}`);
  }
  store.close();
  return file;
}

/** The leaf pages of any b-tree (table or index), in key order. */
function leavesOf(file: string, name: string): number[] {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path`).pluck().all(name) as number[];
  } finally {
    db.close();
  }
}

function walkToTheEnd(file: string) {
  const walk = new IntegrityWalk(file);
  onCleanup(() => walk.stop());
  return walk.runFor(Number.POSITIVE_INFINITY);
}

describe('the check at every start', () => {
  it('reads an intact database to the end', () => {
    expect(walkToTheEnd(history())).toEqual({ state: 'intact' });
  });

  it.each(['messages', 'conversations', 'messages_by_parent', 'messages_by_conversation_seq', 'messages_search_data'])(
    'finds a damaged page in the middle of %s, naming it',
    (name) => {
      const file = history();
      const leaves = leavesOf(file, name);
      expect(leaves.length).toBeGreaterThan(1);
      corruptPages(file, [leaves[Math.floor(leaves.length / 2)]!]);

      const verdict = walkToTheEnd(file);

      expect(verdict).toEqual({ state: 'damaged', reason: expect.stringContaining(`could not read ${name}:`) as unknown });
      expect(verdict?.state === 'damaged' && verdict.reason).toMatch(/SQLITE_CORRUPT/);
    },
  );

  it('calls a file that is not a database damaged', () => {
    const file = tempDbPath();
    writeFileSync(file, Buffer.alloc(16 * 1024, 0xab));
    expect(walkToTheEnd(file)).toEqual({ state: 'damaged', reason: expect.stringMatching(/not a database/) as unknown });
  });

  it('stops when its budget is spent, and reads the rest between event-loop turns', async () => {
    const file = history();
    const leaves = leavesOf(file, 'messages');
    corruptPages(file, [leaves.at(-1)!]); // at the far end: found only once nearly everything has been read
    const walk = new IntegrityWalk(file);
    onCleanup(() => walk.stop());

    expect(walk.runFor(0)).toBeNull();
    expect(walk.runFor(0.01)).toBeNull(); // one step at most: not the whole file
    // Counts turns of the event loop while the walk goes on: other work (a request, a streamed reply) runs between
    // its slices.
    let turns = 0;
    let walking = true;
    const tick = (): void => {
      if (!walking) return;
      turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const verdict = await walk.finish(0.01).finally(() => (walking = false));

    expect(verdict).toMatchObject({ state: 'damaged', reason: expect.stringContaining('could not read messages:') as unknown });
    expect(turns).toBeGreaterThan(1);
  });

  it('ends unknown, not intact, when stopped before the end', async () => {
    const walk = new IntegrityWalk(history());
    walk.runFor(0.01);
    const finishing = walk.finish(0.01);
    walk.stop();
    expect(await finishing).toEqual({ state: 'unknown', reason: expect.stringMatching(/stopped/) as unknown });
  });
});
