import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartupState } from '../../../../src-main/common/types';
import { StartupTracker } from '../../../../src-main/node/host/startup/startup-tracker';

const migrate = (version: number, done: number | null, total = 1_000_000) => ({
  step: 'migrate' as const,
  version,
  name: 'search-speed',
  index: 0,
  count: 4,
  progress: done === null ? null : { fraction: done / total, count: { done, total, unit: 'messages' as const } },
  interrupted: null,
});

let tracker: StartupTracker | undefined;
afterEach(() => tracker?.dispose());

/** A tracker on a clock the test moves, and every state it told. */
function track(): { tracker: StartupTracker; told: StartupState[]; clock: { now: number } } {
  const clock = { now: 0 };
  const told: StartupState[] = [];
  tracker = new StartupTracker({ now: () => clock.now, onChange: (state) => told.push(state) });
  return { tracker, told, clock };
}

describe('the start-up as the user is told it', () => {
  it('says what each piece of work is in words, with counts', () => {
    const { tracker } = track();
    expect(tracker.state).toMatchObject({ phase: 'opening', step: { kind: 'open', text: 'Opening your conversations…', fraction: null } });
    tracker.progress({ step: 'backup', file: '/nowhere/backup.partial', bytes: 100 });
    expect(tracker.state.step).toMatchObject({ kind: 'backup', text: 'Backing up your conversations before the update…', fraction: 0 });
    tracker.progress(migrate(5, 312_000));
    expect(tracker.state.step).toMatchObject({ kind: 'migrate', text: 'Updating the database: 312,000 of 1,000,000 messages', fraction: 0.312 });
    tracker.progress({ ...migrate(6, null), index: 1 });
    expect(tracker.state.step?.text).toBe('Updating the database (step 2 of 4)…');
    tracker.progress({ step: 'salvage', done: 1200, total: 30_000 });
    expect(tracker.state.step).toMatchObject({ kind: 'salvage', text: 'Copying what can still be read from the damaged database: 1,200 of about 30,000 messages', fraction: 0.04 });
    tracker.afterUnexpectedStop();
    tracker.progress({ step: 'check', done: 10, total: 40 });
    expect(tracker.state.step).toMatchObject({ kind: 'check', text: 'Checking your conversation database after an unexpected stop…', fraction: 0.25 });
  });

  it('estimates the time left from the step’s own pace, once enough is done to say', () => {
    const { tracker, clock } = track();
    tracker.progress(migrate(5, null));
    clock.now = 500;
    tracker.progress(migrate(5, 100_000));
    expect(tracker.state.step?.remainingMs).toBeNull(); // half a second in: too early
    clock.now = 2000;
    tracker.progress(migrate(5, 250_000));
    expect(tracker.state.step?.remainingMs).toBe(6000); // a quarter in 2 s: 6 s more
    // A new step starts a new estimate.
    clock.now = 3000;
    tracker.progress({ ...migrate(6, null), index: 1 });
    clock.now = 3500;
    tracker.progress({ ...migrate(6, 900_000), index: 1 });
    expect(tracker.state.step?.remainingMs).toBeNull();
  });

  it('tells the pages a few times a second at most, and a change of phase at once', async () => {
    const { tracker, told, clock } = track();
    for (let done = 1; done <= 5; done++) tracker.progress(migrate(5, done * 1000));
    expect(told).toHaveLength(1); // the first at once; the rest wait for the interval
    clock.now = 150;
    await expect.poll(() => told.length).toBe(2);
    expect(told[1]!.step?.text).toBe('Updating the database: 5,000 of 1,000,000 messages');
    tracker.ready(true);
    expect(told.at(-1)).toMatchObject({ phase: 'ready', step: null, check: { kind: 'check', fraction: null } });
    tracker.progress({ step: 'check', done: 1, total: 4 });
    clock.now = 400;
    tracker.progress({ step: 'check', done: 2, total: 4 });
    expect(told.at(-1)?.check?.fraction).toBe(0.5);
    tracker.checkFinished();
    expect(told.at(-1)).toMatchObject({ phase: 'ready', check: null });
  });

  it('says what an interrupted update was, once, while the update goes on', () => {
    const { tracker } = track();
    const interrupted = { from: 4, to: 8, step: { version: 5, name: 'search-speed' }, fraction: 0.31, startedAt: 0, updatedAt: 1 };
    tracker.progress({ ...migrate(5, null), interrupted });
    expect(tracker.state.note).toBe(
      'Phi Desk was stopped last time while it updated the conversation database (step 005, search speed, 31% done). ' +
        'Nothing was lost: the steps finished then are kept, and the one under way starts again from its beginning.',
    );
  });

  it('a failure: the phase, and why in words; later reports change nothing', () => {
    const { tracker, told } = track();
    tracker.failed('The conversation database was written by a newer version of Phi Desk; update the app to open it.');
    tracker.progress(migrate(5, 10));
    expect(told.at(-1)).toEqual({
      phase: 'failed',
      step: null,
      note: null,
      error: 'The conversation database was written by a newer version of Phi Desk; update the app to open it.',
      check: null,
    });
    expect(tracker.state).toBe(told.at(-1));
  });

  describe('a file written by one long statement', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is timed by its size as it grows', async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'phi-tracker-'));
      const file = path.join(dir, 'backup.partial');
      writeFileSync(file, Buffer.alloc(250));
      tracker = new StartupTracker();
      tracker.progress({ step: 'backup', file, bytes: 1000 });
      await expect.poll(() => tracker!.state.step?.fraction, { timeout: 5000 }).toBe(0.25);
      appendFileSync(file, Buffer.alloc(500));
      await expect.poll(() => tracker!.state.step?.fraction, { timeout: 5000 }).toBe(0.75);
      // Never past the end while the statement runs (the copy may come out a little larger than estimated).
      appendFileSync(file, Buffer.alloc(500));
      await expect.poll(() => tracker!.state.step?.fraction, { timeout: 5000 }).toBe(0.99);
    });
  });
});
