import { afterEach, describe, expect, it, vi } from 'vitest';
import { groupByDate, nextMidnight } from '../../../src-renderer/lib/date-groups';

// The sidebar's date groups, in a fixed time zone and at a fixed "now". Node reads TZ afresh when it changes; each
// test file runs in a process of its own (pool: forks), so no other file sees the change.
vi.hoisted(() => {
  process.env.TZ = 'Europe/Berlin';
});

afterEach(() => {
  process.env.TZ = 'Europe/Berlin';
});

/** Local time in the current zone: month 1-12. */
const at = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number =>
  new Date(year, month - 1, day, hour, minute, second, ms).getTime();

interface Item {
  id: string;
  pinned: boolean;
  updatedAt: number;
}
const item = (id: string, updatedAt: number, pinned = false): Item => ({ id, pinned, updatedAt });

/** Groups as `label: ids`, for compact assertions. */
const shown = (items: Item[], now: number): Record<string, string[]> =>
  Object.fromEntries(groupByDate(items, now).map((group) => [group.label, group.items.map((i) => i.id)]));

describe('groupByDate', () => {
  it('puts each conversation in Pinned, Today, Yesterday, Previous 7 days, Previous 30 days or its month, in that order', () => {
    const now = at(2026, 11, 27, 15, 0);
    const items = [
      item('pinned-old', at(2024, 3, 1), true),
      item('pinned-today', at(2026, 11, 27, 9), true),
      item('future', at(2026, 11, 27, 16)), // another clock ahead of ours
      item('today-late', at(2026, 11, 27, 14, 59)),
      item('today-midnight', at(2026, 11, 27, 0, 0)),
      item('yesterday-last-ms', at(2026, 11, 26, 23, 59, 59, 999)),
      item('yesterday-midnight', at(2026, 11, 26, 0, 0)),
      item('two-days', at(2026, 11, 25, 12)),
      item('week-start', at(2026, 11, 20, 0, 0)),
      item('just-before-week', at(2026, 11, 19, 23, 59, 59, 999)),
      item('thirty-start', at(2026, 10, 28, 0, 0)),
      item('october', at(2026, 10, 27, 23, 59, 59, 999)),
      item('october-first', at(2026, 10, 1, 0, 0)),
      item('january', at(2026, 1, 15)),
      item('december-last-year', at(2025, 12, 31, 23, 59)),
      item('november-2024', at(2024, 11, 2)),
    ];

    const groups = groupByDate(items, now);

    expect(groups.map((group) => [group.id, group.label])).toEqual([
      ['pinned', 'Pinned'],
      ['today', 'Today'],
      ['yesterday', 'Yesterday'],
      ['week', 'Previous 7 days'],
      ['month', 'Previous 30 days'],
      ['2026-10', 'October'],
      ['2026-01', 'January'],
      ['2025-12', 'December 2025'],
      ['2024-11', 'November 2024'],
    ]);
    expect(shown(items, now)).toEqual({
      Pinned: ['pinned-old', 'pinned-today'],
      Today: ['future', 'today-late', 'today-midnight'],
      Yesterday: ['yesterday-last-ms', 'yesterday-midnight'],
      'Previous 7 days': ['two-days', 'week-start'],
      'Previous 30 days': ['just-before-week', 'thirty-start'],
      October: ['october', 'october-first'],
      January: ['january'],
      'December 2025': ['december-last-year'],
      'November 2024': ['november-2024'],
    });
  });

  it('leaves out empty groups, and orders month groups newest first whatever order the items come in', () => {
    const now = at(2026, 6, 10, 12);
    const items = [item('march', at(2026, 3, 3)), item('may-2025', at(2025, 5, 5)), item('april', at(2026, 4, 4)), item('today', now)];
    expect(groupByDate(items, now).map((group) => group.label)).toEqual(['Today', 'April', 'March', 'May 2025']);
    expect(groupByDate([], now)).toEqual([]);
  });

  it('counts days by the calendar across the autumn clock change (a 25-hour day), not by 24-hour steps', () => {
    // Berlin, 25 October 2026: clocks go back from 03:00 to 02:00.
    const lateThatDay = at(2026, 10, 25, 23, 30);
    const earlyThatDay = at(2026, 10, 25, 0, 10);
    expect(lateThatDay - earlyThatDay).toBe(24 * 3_600_000 + 20 * 60_000); // more than a day of real time…
    expect(shown([item('early', earlyThatDay), item('day-before', at(2026, 10, 24, 23, 50))], lateThatDay)).toEqual({
      Today: ['early'], // …and still today
      Yesterday: ['day-before'],
    });

    const justAfterMidnight = at(2026, 10, 26, 0, 30);
    expect(shown([item('early', earlyThatDay), item('day-before', at(2026, 10, 24, 23, 50))], justAfterMidnight)).toEqual({
      Yesterday: ['early'],
      'Previous 7 days': ['day-before'],
    });
  });

  it('counts days by the calendar across the spring clock change (a 23-hour day)', () => {
    // Berlin, 29 March 2026: clocks go forward from 02:00 to 03:00.
    const now = at(2026, 3, 30, 0, 30);
    const shortDayStart = at(2026, 3, 29, 0, 10);
    expect(now - shortDayStart).toBe(23 * 3_600_000 + 20 * 60_000); // less than a day of real time, yet yesterday
    expect(shown([item('short-day', shortDayStart), item('before', at(2026, 3, 28, 23, 50))], now)).toEqual({
      Yesterday: ['short-day'],
      'Previous 7 days': ['before'],
    });
    // Seven calendar days back from the 30th is the 23rd at midnight, though one of those days had 23 hours.
    expect(shown([item('week-start', at(2026, 3, 23, 0, 0)), item('older', at(2026, 3, 22, 23, 59))], now)).toEqual({
      'Previous 7 days': ['week-start'],
      'Previous 30 days': ['older'],
    });
  });

  it('uses the local time zone: the same instants group differently in Auckland and in UTC', () => {
    const now = Date.UTC(2026, 10, 27, 10, 0); // 27 Nov 23:00 in Auckland (+13)
    const updated = Date.UTC(2026, 10, 26, 12, 0); // 27 Nov 01:00 in Auckland
    process.env.TZ = 'Pacific/Auckland';
    expect(shown([item('x', updated)], now)).toEqual({ Today: ['x'] });
    process.env.TZ = 'UTC';
    expect(shown([item('x', updated)], now)).toEqual({ Yesterday: ['x'] });
    // Month groups too: 31 Dec 2025 23:30 UTC is already January in Auckland.
    const newYearsEve = Date.UTC(2025, 11, 31, 23, 30);
    expect(groupByDate([item('y', newYearsEve)], now)[0]?.label).toBe('December 2025');
    process.env.TZ = 'Pacific/Auckland';
    expect(groupByDate([item('y', newYearsEve)], now)[0]?.label).toBe('January');
  });
});

describe('nextMidnight', () => {
  it('is the next local midnight, also on the day the clocks change', () => {
    expect(nextMidnight(at(2026, 11, 27, 15))).toBe(at(2026, 11, 28));
    expect(nextMidnight(at(2026, 11, 27, 0, 0))).toBe(at(2026, 11, 28));
    expect(nextMidnight(at(2026, 10, 25, 0, 0)) - at(2026, 10, 25, 0, 0)).toBe(25 * 3_600_000); // the autumn change
    expect(nextMidnight(at(2026, 3, 29, 0, 0)) - at(2026, 3, 29, 0, 0)).toBe(23 * 3_600_000); // the spring change
    expect(nextMidnight(at(2026, 12, 31, 23, 59))).toBe(at(2027, 1, 1));
  });
});
