import type { Message } from '../../../../src-main/common/types';
import { openStore } from '../../../../src-main/node/store/open-store';
import type { OpenStoreOptions, Store } from '../../../../src-main/node/store/open-store';
import { isStoreError } from '../../../../src-main/node/store/store-error';
import type { StoreErrorCode } from '../../../../src-main/node/store/store-error';
import { expect } from 'vitest';
import { onCleanup, tempDbPath } from './temp-store';

/** A clock the test moves by hand, so ordering by time is exact. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (ms = 1) => void (now += ms),
  };
}

/** A whole store on a fresh file, closed after the test. */
export function openTestStore(file = tempDbPath(), options: OpenStoreOptions = {}): Store {
  const store = openStore(file, options);
  onCleanup(() => store.close());
  return store;
}

/** Assert that `fn` throws a StoreError with `code` (and a message matching `message`). */
export function expectStoreError(fn: () => unknown, code: StoreErrorCode, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isStoreError(caught, code), `expected StoreError ${code}, got ${String(caught)}`).toBe(true);
  if (message) expect((caught as Error).message).toMatch(message);
}

/** Add a finished message after `parent` (or a root), returning it. */
export function say(store: Store, conversationId: string, parent: Message | null, role: Message['role'], content: string): Message {
  return store.conversations.appendMessage({ conversationId, parentId: parent?.id ?? null, role, content, status: 'complete' });
}

/** The contents of the current branch, oldest first. */
export function branchText(store: Store, conversationId: string): string[] {
  return store.conversations.listMessages(conversationId).map((m) => m.content);
}
