// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DELETE_UNDO_WINDOW_MS } from '../../../src-main/common/contract';
import { UNDO_TOAST_LATEST_MS, UNDO_TOAST_MS, UndoDeletions } from '../../../src-renderer/lib/undo-deletions.svelte';

// The Undo toasts' timing on a fake clock: a toast stays 8 s, held while the pointer is over it or focus is in it,
// never past the app's undo window; Undo restores through the app and closes it.

let restored: string[];
let refuse: Error | null;
let toasts: UndoDeletions;

beforeEach(() => {
  vi.useFakeTimers();
  restored = [];
  refuse = null;
  toasts = new UndoDeletions({
    restore: async (conversationId) => {
      if (refuse) throw refuse;
      restored.push(conversationId);
    },
  });
});

afterEach(() => {
  toasts.dispose();
  vi.useRealTimers();
});

const titles = (): string[] => toasts.toasts.map((toast) => toast.title);

describe('UndoDeletions', () => {
  it('shows a toast for 8 seconds, then closes it (the deletion stands)', () => {
    toasts.deleted({ id: 'c1', title: 'Apples' }, false);
    vi.advanceTimersByTime(UNDO_TOAST_MS - 1);
    expect(titles()).toEqual(['Apples']);
    vi.advanceTimersByTime(1);
    expect(titles()).toEqual([]);
    expect(restored).toEqual([]);
  });

  it('holds a toast while the pointer is over it or focus is in it, then counts on from where it stopped', () => {
    const { key } = toasts.deleted({ id: 'c1', title: 'Apples' }, false);
    vi.advanceTimersByTime(5_000);
    toasts.hold(key, 'pointer', true);
    vi.advanceTimersByTime(10_000);
    toasts.hold(key, 'focus', true);
    toasts.hold(key, 'pointer', false); // still held: focus is in it
    vi.advanceTimersByTime(5_000);
    expect(titles()).toEqual(['Apples']);
    toasts.hold(key, 'focus', false);
    vi.advanceTimersByTime(UNDO_TOAST_MS - 5_000 - 1); // the 3 s it had left, less a millisecond
    expect(titles()).toEqual(['Apples']);
    vi.advanceTimersByTime(1);
    expect(titles()).toEqual([]);
  });

  it('never stays past its latest time, held or not, which is inside the app’s undo window', () => {
    expect(UNDO_TOAST_LATEST_MS).toBeLessThan(DELETE_UNDO_WINDOW_MS);
    const { key } = toasts.deleted({ id: 'c1', title: 'Apples' }, false);
    toasts.hold(key, 'pointer', true);
    vi.advanceTimersByTime(UNDO_TOAST_LATEST_MS - 1);
    expect(titles()).toEqual(['Apples']);
    vi.advanceTimersByTime(1);
    expect(titles()).toEqual([]);
  });

  it('undoes through the app and closes the toast; a refusal leaves the toast and is thrown', async () => {
    const apples = toasts.deleted({ id: 'c1', title: 'Apples' }, true);
    const pears = toasts.deleted({ id: 'c2', title: 'Pears' }, false);
    expect(await toasts.undo(apples.key)).toEqual(apples);
    expect(restored).toEqual(['c1']);
    expect(titles()).toEqual(['Pears']);
    expect(await toasts.undo(apples.key)).toBeNull(); // already closed: nothing to undo

    refuse = new Error('too late');
    await expect(toasts.undo(pears.key)).rejects.toThrow('too late');
    expect(titles()).toEqual(['Pears']);
  });

  it('shows at most three toasts; one conversation deleted again replaces its own', () => {
    for (const [id, title] of [['a', 'A'], ['b', 'B'], ['c', 'C'], ['d', 'D']]) toasts.deleted({ id: id!, title: title! }, false);
    expect(titles()).toEqual(['B', 'C', 'D']);
    toasts.deleted({ id: 'c', title: 'C again' }, false);
    expect(titles()).toEqual(['B', 'D', 'C again']);
    // The one dropped early has no timer left behind: only the three shown still count down.
    expect(vi.getTimerCount()).toBe(3);
  });

  it('closes with Dismiss, and closes every toast when the window goes', () => {
    const { key } = toasts.deleted({ id: 'a', title: 'A' }, false);
    toasts.deleted({ id: 'b', title: 'B' }, false);
    toasts.dismiss(key);
    expect(titles()).toEqual(['B']);
    toasts.dispose();
    expect(titles()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
