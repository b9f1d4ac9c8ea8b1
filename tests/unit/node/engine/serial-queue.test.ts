import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../../src-main/node/engine/serial-queue';

describe('SerialQueue', () => {
  it('gives turns in the order they were asked for', async () => {
    const queue = new SerialQueue();
    const log: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async (n) => {
        const release = await queue.acquire();
        log.push(n);
        await new Promise((resolve) => setTimeout(resolve, 5 - n));
        log.push(n);
        release?.();
      }),
    );
    expect(log).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('lets a waiter give up on abort at once without blocking the ones behind it', async () => {
    const queue = new SerialQueue();
    const first = await queue.acquire();
    const controller = new AbortController();
    const second = queue.acquire(controller.signal);
    const third = queue.acquire();
    controller.abort();
    expect(await second).toBeNull();
    first?.();
    const release = await third;
    expect(release).toBeTypeOf('function');
    release?.();
  });

  it('resolves null for an already aborted signal', async () => {
    expect(await new SerialQueue().acquire(AbortSignal.abort())).toBeNull();
  });
});
