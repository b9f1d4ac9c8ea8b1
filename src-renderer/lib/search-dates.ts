/**
 * The search's date filter: "Any time", "Past week", "Past month" or a custom range of days, turned into the `from`
 * (inclusive) and `to` (exclusive) epoch-ms bounds of `search.query`. Days are local calendar days, as the sidebar's
 * date groups count them: "Past week" starts at midnight seven days back (the sidebar's Today, Yesterday and
 * Previous 7 days), "Past month" thirty days back (… and Previous 30 days); a custom range runs from the first day's
 * midnight to the midnight after its last day.
 */

export type DateFilter = 'any' | 'week' | 'month' | 'custom';

/** The filter's choices, in the order offered. */
export const DATE_FILTERS: ReadonlyArray<{ value: DateFilter; label: string }> = [
  { value: 'any', label: 'Any time' },
  { value: 'week', label: 'Past week' },
  { value: 'month', label: 'Past month' },
  { value: 'custom', label: 'Custom range' },
];

/** The bounds to search within; either may be missing (no bound). */
export interface DateBounds {
  from?: number;
  to?: number;
}

export type DateBoundsResult = { ok: true; bounds: DateBounds } | { ok: false; error: string };

/** The days a custom range runs between, as a date input gives them (`YYYY-MM-DD`, or empty for no bound). */
export interface CustomRange {
  from: string;
  to: string;
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `from`/`to` for the filter at `now`, or why the custom range cannot be searched. */
export function searchDateBounds(filter: DateFilter, custom: CustomRange, now: number): DateBoundsResult {
  const today = new Date(now);
  const daysBack = (days: number): number => new Date(today.getFullYear(), today.getMonth(), today.getDate() - days).getTime();
  switch (filter) {
    case 'any':
      return { ok: true, bounds: {} };
    case 'week':
      return { ok: true, bounds: { from: daysBack(7) } };
    case 'month':
      return { ok: true, bounds: { from: daysBack(30) } };
    case 'custom': {
      const first = custom.from === '' ? null : localMidnight(custom.from, 0);
      const last = custom.to === '' ? null : localMidnight(custom.to, 1);
      if (Number.isNaN(first) || Number.isNaN(last)) return { ok: false, error: 'Enter the dates as year-month-day.' };
      if (first !== null && last !== null && first >= last) return { ok: false, error: 'The range ends before it starts.' };
      const bounds: DateBounds = {};
      // The app takes no time before 1970 (nothing is that old); a range starting earlier simply has no start.
      if (first !== null && first > 0) bounds.from = first;
      if (last !== null) {
        if (last <= 0) return { ok: false, error: 'The range ends before 1970: nothing is that old.' };
        bounds.to = last;
      }
      return { ok: true, bounds };
    }
  }
}

/** Midnight starting the day `days` after the `YYYY-MM-DD` day, local time; NaN when it is not such a day. */
function localMidnight(day: string, days: number): number {
  const parts = DAY_PATTERN.exec(day);
  if (!parts) return Number.NaN;
  const [year, month, date] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const midnight = new Date(year, month - 1, date);
  // Reject days that do not exist (2026-02-30), which Date would roll over into March.
  if (midnight.getFullYear() !== year || midnight.getMonth() !== month - 1 || midnight.getDate() !== date) return Number.NaN;
  return new Date(year, month - 1, date + days).getTime();
}
