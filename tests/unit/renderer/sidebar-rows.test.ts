import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../../src-main/common/types';
import { conversationAfterKey, neighbourOf, sidebarRows } from '../../../src-renderer/lib/sidebar-rows';

// The sidebar's rows (date group headings and conversations, one flat run for the virtual list) and moving along them
// with the keys.

const NOW = new Date(2026, 10, 27, 15).getTime();
const DAY = 24 * 3_600_000;
const conversation = (id: string, updatedAt: number, pinned = false): Conversation => ({
  id,
  title: `Title ${id}`,
  createdAt: updatedAt,
  updatedAt,
  pinned,
  archived: false,
  systemPrompt: null,
  generation: {},
  model: null,
  source: 'chat',
  engine: null,
});
const list = [conversation('p', NOW - 90 * DAY, true), conversation('a', NOW - 60_000), conversation('b', NOW - 3 * DAY), conversation('c', NOW - 4 * DAY)];

describe('sidebarRows', () => {
  it('puts each group’s heading before its conversations, with keys that stay the same across refreshes', () => {
    const rows = sidebarRows(list, NOW);
    expect(rows.map((row) => (row.kind === 'heading' ? `# ${row.label}` : row.key))).toEqual([
      '# Pinned',
      'p',
      '# Today',
      'a',
      '# Previous 7 days',
      'b',
      'c',
    ]);
    expect(rows.map((row) => row.key)).toEqual(sidebarRows(list.map((c) => ({ ...c })), NOW).map((row) => row.key));
    expect(rows[0]?.key).toBe('group:pinned');
  });
});

describe('moving along the rows', () => {
  const rows = sidebarRows(list, NOW);

  it('skips the headings with the arrow keys and stops at both ends; Home and End go to the first and last', () => {
    expect(conversationAfterKey(rows, 'p', 'ArrowDown')).toBe('a');
    expect(conversationAfterKey(rows, 'a', 'ArrowDown')).toBe('b');
    expect(conversationAfterKey(rows, 'b', 'ArrowUp')).toBe('a');
    expect(conversationAfterKey(rows, 'p', 'ArrowUp')).toBeUndefined();
    expect(conversationAfterKey(rows, 'c', 'ArrowDown')).toBeUndefined();
    expect(conversationAfterKey(rows, 'b', 'Home')).toBe('p');
    expect(conversationAfterKey(rows, 'b', 'End')).toBe('c');
    expect(conversationAfterKey(rows, 'b', 'x')).toBeNull();
  });

  it('goes to the next conversation when one leaves the list, or the one before at the end', () => {
    expect(neighbourOf(rows, 'a')).toBe('b');
    expect(neighbourOf(rows, 'c')).toBe('b');
    expect(neighbourOf(sidebarRows([list[1]!], NOW), 'a')).toBeNull();
    expect(neighbourOf(rows, 'unknown')).toBeNull();
  });
});
