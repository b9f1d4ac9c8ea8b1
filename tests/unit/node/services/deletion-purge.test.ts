import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeletionPurge } from '../../../../src-main/node/services/deletion-purge';
import { isStoreError } from '../../../../src-main/node/store/store-error';
import { manualClock, openTestStore } from '../store/store-fixtures';

// The purge of deleted conversations on a real store and a fake clock: when it fails (the database closed, locked,
// full), the marked conversations stay hidden and it tries again; it never stops the app.

const WINDOW = 1_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
});

function setUp() {
  const clock = manualClock();
  const store = openTestStore(undefined, { now: clock.now });
  const errors: unknown[] = [];
  const purge = new DeletionPurge(store.conversations, { undoWindowMs: WINDOW, now: clock.now, onError: (e) => errors.push(e) });
  const advance = (ms: number): void => {
    clock.advance(ms);
    vi.advanceTimersByTime(ms);
  };
  return { store, purge, errors, advance };
}

describe('DeletionPurge', () => {
  it('reports a failed purge and tries again one window later, until it can', () => {
    const { store, purge, errors, advance } = setUp();
    const conversation = store.conversations.createConversation({ title: 'Gone soon' });
    purge.deleted(store.conversations.markDeleted(conversation.id)!);
    const purgeDeleted = vi.spyOn(store.conversations, 'purgeDeleted').mockImplementationOnce(() => {
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    });

    advance(WINDOW);
    expect(errors).toHaveLength(1);
    expect(store.conversations.listDeleted().map((d) => d.id)).toEqual([conversation.id]); // still marked, still hidden
    expect(vi.getTimerCount()).toBe(1);

    advance(WINDOW);
    expect(purgeDeleted).toHaveBeenCalledTimes(2);
    expect(store.conversations.listDeleted()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    purge.dispose();
  });

  it('does not stop the start when the leftovers cannot be purged, and purges them later', () => {
    const { store, purge, errors, advance } = setUp();
    const conversation = store.conversations.createConversation({ title: 'Left over' });
    store.conversations.markDeleted(conversation.id);
    store.conversations.close(); // every call now fails with DB_CLOSED

    expect(purge.purgeLeftovers()).toEqual([]);
    expect(isStoreError(errors[0], 'DB_CLOSED')).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    advance(WINDOW);
    expect(errors).toHaveLength(2); // tried again, and again it says so

    purge.dispose();
    expect(vi.getTimerCount()).toBe(0);
    purge.deleted(Date.now()); // after dispose nothing is scheduled any more
    expect(vi.getTimerCount()).toBe(0);
  });
});
