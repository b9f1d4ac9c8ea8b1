import { describe, expect, it } from 'vitest';
import { scheduleBackups } from '../../../../src-main/node/host/backup-schedule';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduleBackups', () => {
  it('checks at once and then on every tick, never two at a time, and not after stop()', async () => {
    let calls = 0;
    let running = 0;
    let overlapped = false;
    const schedule = scheduleBackups(
      async () => {
        calls++;
        running++;
        if (running > 1) overlapped = true;
        await wait(25); // slower than the interval: ticks during a backup are skipped
        running--;
      },
      () => {},
      10,
    );
    expect(calls).toBe(1);
    await expect.poll(() => calls).toBeGreaterThanOrEqual(3);
    await schedule.stop();
    const atStop = calls;
    await wait(60);
    expect(calls).toBe(atStop);
    expect(overlapped).toBe(false);
  });

  it('reports a failed check and tries again on the next tick', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const schedule = scheduleBackups(
      async () => {
        calls++;
        if (calls === 1) throw new Error('disk full');
      },
      (error) => errors.push(error),
      10,
    );
    await expect.poll(() => calls).toBeGreaterThanOrEqual(2);
    await schedule.stop();
    expect(errors).toEqual([new Error('disk full')]);
  });
});
