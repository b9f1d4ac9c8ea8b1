import { describe, expect, it, vi } from 'vitest';
import { searchDateBounds } from '../../../src-renderer/lib/search-dates';

// The search's date filter as `search.query` bounds, in local calendar days (Berlin here; a file runs in its own
// process, so the time zone stays in it).
vi.hoisted(() => {
  process.env.TZ = 'Europe/Berlin';
});

/** Local time: month 1-12. */
const at = (year: number, month: number, day: number, hour = 0, minute = 0): number =>
  new Date(year, month - 1, day, hour, minute).getTime();
const none = { from: '', to: '' };
const now = at(2026, 11, 27, 15, 30);

describe('searchDateBounds', () => {
  it('has no bounds for Any time, and starts at a local midnight 7 or 30 days back for the past week or month', () => {
    expect(searchDateBounds('any', none, now)).toEqual({ ok: true, bounds: {} });
    expect(searchDateBounds('week', none, now)).toEqual({ ok: true, bounds: { from: at(2026, 11, 20) } });
    expect(searchDateBounds('month', none, now)).toEqual({ ok: true, bounds: { from: at(2026, 10, 28) } });
    // Across the autumn clock change (25 October), still midnight, not 24-hour steps.
    expect(searchDateBounds('week', none, at(2026, 10, 28, 12))).toEqual({ ok: true, bounds: { from: at(2026, 10, 21) } });
  });

  it('runs a custom range from its first day’s midnight to the midnight after its last day, either end open', () => {
    expect(searchDateBounds('custom', { from: '2025-06-01', to: '2025-06-30' }, now)).toEqual({
      ok: true,
      bounds: { from: at(2025, 6, 1), to: at(2025, 7, 1) },
    });
    expect(searchDateBounds('custom', { from: '2025-06-10', to: '2025-06-10' }, now)).toEqual({
      ok: true,
      bounds: { from: at(2025, 6, 10), to: at(2025, 6, 11) },
    });
    expect(searchDateBounds('custom', { from: '2026-10-25', to: '' }, now)).toEqual({ ok: true, bounds: { from: at(2026, 10, 25) } });
    expect(searchDateBounds('custom', { from: '', to: '2026-10-25' }, now)).toEqual({ ok: true, bounds: { to: at(2026, 10, 26) } });
    expect(searchDateBounds('custom', none, now)).toEqual({ ok: true, bounds: {} });
  });

  it('refuses a range that ends before it starts, a day that does not exist, and a range wholly before 1970', () => {
    expect(searchDateBounds('custom', { from: '2025-07-01', to: '2025-06-30' }, now)).toEqual({
      ok: false,
      error: 'The range ends before it starts.',
    });
    expect(searchDateBounds('custom', { from: '2026-02-30', to: '' }, now)).toMatchObject({ ok: false });
    expect(searchDateBounds('custom', { from: '', to: 'yesterday' }, now)).toMatchObject({ ok: false });
    expect(searchDateBounds('custom', { from: '', to: '1960-01-01' }, now)).toMatchObject({ ok: false });
    // A start before 1970 is simply no start (nothing is older).
    expect(searchDateBounds('custom', { from: '1960-01-01', to: '2025-06-30' }, now)).toEqual({
      ok: true,
      bounds: { to: at(2025, 7, 1) },
    });
  });
});
