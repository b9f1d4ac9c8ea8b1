import { describe, expect, it } from 'vitest';
import { IntegrityWalk, type WalkProgress } from '../../../../src-main/node/store/integrity-walk';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../../src-main/node/store/migrations';
import type { OpenProgress } from '../../../../src-main/node/store/open-progress';
import { openStore } from '../../../../src-main/node/store/open-store';
import { historyDigest, MARKED_CONVERSATION, writeHistory } from '../../../fixtures/generated-history';
import { onCleanup, tempDbPath } from './temp-store';

/** Every value never below the one before it. */
function nonDecreasing(values: readonly number[]): boolean {
  return values.every((value, index) => index === 0 || value >= values[index - 1]!);
}

describe('progress while the store opens', () => {
  it('an update of a generated history: the backup, then each step in order, its share growing to the end, counting the messages', () => {
    const file = tempDbPath();
    writeHistory(file, { version: 3, conversations: 100, messagesPerConversation: 60 });
    const before = historyDigest(file);
    const events: OpenProgress[] = [];
    const store = openStore(file, { onProgress: (event) => events.push(event), checkBudgetMs: 60_000 });
    onCleanup(() => store.close());

    expect(events[0]).toMatchObject({ step: 'backup', bytes: expect.any(Number) });
    expect(events[0]!.step === 'backup' && events[0]!.file.endsWith('.pre-migration.sqlite.partial')).toBe(true);

    const steps = events.filter((event) => event.step === 'migrate');
    // Each step announced (no progress yet) before its progress, in version order, with its place among them.
    const begun = steps.filter((event) => event.progress === null);
    expect(begun.map((event) => [event.version, event.index, event.count])).toEqual(
      MIGRATIONS.slice(3).map((migration, index) => [migration.version, index, LATEST_SCHEMA_VERSION - 3]),
    );
    expect(steps.map((event) => event.version)).toEqual([...steps.map((event) => event.version)].sort((a, b) => a - b));
    for (const version of [4, 5]) {
      const reports = steps.filter((event) => event.version === version && event.progress !== null).map((event) => event.progress!);
      expect(reports.length, `step ${version} reports`).toBeGreaterThan(2);
      expect(nonDecreasing(reports.map((report) => report.fraction)), `step ${version} fractions`).toBe(true);
      expect(reports.at(-1)!.fraction).toBe(1);
      const counts = reports.flatMap((report) => (report.count ? [report.count] : []));
      expect(nonDecreasing(counts.map((count) => count.done))).toBe(true);
      expect(counts.at(-1)).toEqual({ done: 6000, total: 6000, unit: 'messages' });
    }
    // 005 merges the index it built last, saying so.
    expect(steps.filter((event) => event.version === 5).at(-1)?.progress).toMatchObject({ activity: 'merging the search index' });

    // The check comes last, read to its end here (a budget long enough): its bytes grow to the total.
    const checks = events.filter((event) => event.step === 'check');
    expect(events.indexOf(checks[0]!)).toBeGreaterThan(events.indexOf(steps.at(-1)!));
    expect(nonDecreasing(checks.map((event) => event.done))).toBe(true);
    expect(checks.at(-1)!.done).toBe(checks.at(-1)!.total);

    expect(store.report.migration).toMatchObject({ from: 3, to: LATEST_SCHEMA_VERSION, interrupted: null });
    expect(store.search.searchMessages(MARKED_CONVERSATION.word, { limit: 5 })).toHaveLength(1);
    store.close();
    expect(historyDigest(file)).toEqual(before);
  });

  it('the check: the share read grows at every step and ends at the whole', () => {
    const file = tempDbPath();
    writeHistory(file, { version: LATEST_SCHEMA_VERSION, conversations: 60, messagesPerConversation: 60 });
    const walk = new IntegrityWalk(file);
    onCleanup(() => walk.stop());
    const seen: WalkProgress[] = [];
    while (walk.runFor(0.5) === null) seen.push(walk.progress);
    seen.push(walk.progress);
    expect(walk.verdict).toEqual({ state: 'intact' });
    expect(seen.length).toBeGreaterThan(5);
    expect(nonDecreasing(seen.map((progress) => progress.done))).toBe(true);
    expect(new Set(seen.map((progress) => progress.total)).size).toBe(1);
    // The bytes of values read are most of the pages in use: the bar is near its end before the last step.
    expect(seen.at(-2)!.done / seen.at(-2)!.total).toBeGreaterThan(0.5);
    expect(seen.at(-1)!.done).toBe(seen.at(-1)!.total);
  });
});
