/**
 * The sidebar's date groups: Pinned, Today, Yesterday, Previous 7 days, Previous 30 days, then one group per month
 * ("October"; "November 2025" for an earlier year), by the last update, in the local time zone.
 *
 * Day boundaries are local midnights built from the calendar date (`new Date(y, m, d - n)`), never "now minus n × 24
 * hours": a day with a daylight-saving change is 23 or 25 hours long, and a conversation from 11 p.m. yesterday must
 * read "Yesterday" whatever the clocks did.
 */

/** What the grouping reads of a conversation. */
export interface Dated {
  pinned: boolean;
  /** Epoch ms of the last update. */
  updatedAt: number;
}

export interface DateGroup<T> {
  /** Stable across renders: `pinned`, `today`, `yesterday`, `week`, `month`, or `YYYY-MM` for a month group. */
  id: string;
  /** The heading shown: "Today", "November 2025"… */
  label: string;
  /** In the order they came in. */
  items: T[];
}

/** The fixed groups, in the order shown, with the day (counting back from today) each starts at. */
const RECENT: ReadonlyArray<{ id: string; label: string; daysBack: number }> = [
  { id: 'today', label: 'Today', daysBack: 0 },
  { id: 'yesterday', label: 'Yesterday', daysBack: 1 },
  { id: 'week', label: 'Previous 7 days', daysBack: 7 },
  { id: 'month', label: 'Previous 30 days', daysBack: 30 },
];

/**
 * `items` in date groups, in the order shown: Pinned (whatever their dates), the recent groups, then months, newest
 * first. Empty groups are left out; items keep their order within a group. A time after `now` (another machine's
 * clock) counts as today.
 */
export function groupByDate<T extends Dated>(items: readonly T[], now: number): DateGroup<T>[] {
  const today = new Date(now);
  const starts = RECENT.map((group) => ({
    ...group,
    from: new Date(today.getFullYear(), today.getMonth(), today.getDate() - group.daysBack).getTime(),
  }));
  // Made per call (two, cheap): a formatter keeps the time zone it was made in, and the user's may change.
  const monthName = new Intl.DateTimeFormat('en-US', { month: 'long' });
  const monthAndYear = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric' });
  const pinned: DateGroup<T> = { id: 'pinned', label: 'Pinned', items: [] };
  const recent = starts.map(({ id, label }): DateGroup<T> => ({ id, label, items: [] }));
  const months = new Map<string, DateGroup<T> & { order: number }>();
  for (const item of items) {
    if (item.pinned) {
      pinned.items.push(item);
      continue;
    }
    const index = starts.findIndex((group) => item.updatedAt >= group.from);
    if (index !== -1) {
      recent[index]!.items.push(item);
      continue;
    }
    const date = new Date(item.updatedAt);
    const year = date.getFullYear();
    const month = date.getMonth();
    const id = `${year}-${String(month + 1).padStart(2, '0')}`;
    let group = months.get(id);
    if (!group) {
      const label = (year === today.getFullYear() ? monthName : monthAndYear).format(date);
      group = { id, label, items: [], order: year * 12 + month };
      months.set(id, group);
    }
    group.items.push(item);
  }
  const byMonth = [...months.values()]
    .sort((a, b) => b.order - a.order)
    .map(({ id, label, items: grouped }) => ({ id, label, items: grouped }));
  return [pinned, ...recent, ...byMonth].filter((group) => group.items.length > 0);
}

/** The next local midnight after `now`, when "Today" and "Yesterday" move on (epoch ms). */
export function nextMidnight(now: number): number {
  const date = new Date(now);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
}
