// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import {
  clampWidth,
  SIDEBAR_DEFAULT,
  SIDEBAR_MAX,
  SIDEBAR_MIN,
  SIDEBAR_WIDTH_KEY,
  SidebarWidth,
} from '../../../src-renderer/lib/sidebar-width.svelte';

// The sidebar's width: kept within bounds, remembered in the window's storage, and a bad stored value ignored.

beforeEach(() => {
  localStorage.clear();
});

describe('SidebarWidth', () => {
  it('starts at the default, and remembers a width set, for the next window', () => {
    const first = new SidebarWidth();
    expect(first.value).toBe(SIDEBAR_DEFAULT);
    first.set(400.4);
    expect(first.value).toBe(400);
    expect(localStorage.getItem(SIDEBAR_WIDTH_KEY)).toBe('400');
    expect(new SidebarWidth().value).toBe(400);
  });

  it('shows a width while dragging without remembering it until the drag ends', () => {
    const width = new SidebarWidth();
    width.preview(350);
    expect(width.value).toBe(350);
    expect(localStorage.getItem(SIDEBAR_WIDTH_KEY)).toBeNull();
    width.save();
    expect(localStorage.getItem(SIDEBAR_WIDTH_KEY)).toBe('350');
  });

  it('keeps the width between its bounds, whatever is asked or stored', () => {
    expect([clampWidth(10), clampWidth(10_000), clampWidth(Number.NaN)]).toEqual([SIDEBAR_MIN, SIDEBAR_MAX, SIDEBAR_DEFAULT]);
    localStorage.setItem(SIDEBAR_WIDTH_KEY, '9000');
    expect(new SidebarWidth().value).toBe(SIDEBAR_MAX);
    localStorage.setItem(SIDEBAR_WIDTH_KEY, 'wide');
    expect(new SidebarWidth().value).toBe(SIDEBAR_DEFAULT);
  });

  it('works without storage, or with one that refuses to be written', () => {
    const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    const width = new SidebarWidth(full);
    width.set(300);
    expect(width.value).toBe(300);
    const none = new SidebarWidth(null);
    none.set(500);
    expect(none.value).toBe(500);
  });
});
