import { describe, expect, it } from 'vitest';
import { EngineLanes } from '../../../../src-main/node/engine/engine-lanes';
import type { GenerateRequest } from '../../../../src-main/node/engine/port';
import { PriorityQueue } from '../../../../src-main/node/engine/priority-queue';
import { ScriptedEngine } from '../../../support/scripted-engine';

const ask = (text: string): GenerateRequest => ({ turns: [{ role: 'user', content: text }] });
const asked = (engine: ScriptedEngine): string[] => engine.requests.map((request) => request.turns.at(-1)?.content ?? '');

describe('PriorityQueue', () => {
  it('serves the most urgent waiter next, first come first served within a priority', async () => {
    const queue = new PriorityQueue();
    const order: string[] = [];
    const first = await queue.acquire(1);
    const waiters = [
      ['low a', 1],
      ['low b', 1],
      ['high a', 0],
      ['low c', 1],
      ['high b', 0],
    ] as const;
    const done = waiters.map(async ([name, priority]) => {
      const release = await queue.acquire(priority);
      order.push(name);
      release?.();
    });
    expect(queue.waiting()).toBe(5);
    expect(queue.waiting(0)).toBe(2);
    first?.();
    await Promise.all(done);
    expect(order).toEqual(['high a', 'high b', 'low a', 'low b', 'low c']);
    expect(queue.held).toBe(false);
  });

  it('lets an aborted waiter leave the line at once, without blocking the ones behind it', async () => {
    const queue = new PriorityQueue();
    const first = await queue.acquire(0);
    const controller = new AbortController();
    const leaving = queue.acquire(1, controller.signal);
    const staying = queue.acquire(1);
    controller.abort();
    expect(await leaving).toBeNull();
    expect(queue.waiting()).toBe(1);
    first?.();
    const release = await staying;
    expect(release).toBeTypeOf('function');
    release?.();
    release?.(); // a second call does nothing
    expect(queue.held).toBe(false);
    expect(await queue.acquire(0, AbortSignal.abort())).toBeNull();
  });
});

describe('EngineLanes', () => {
  it('gives the engine a window’s reply before API requests that wait, and never cuts the one being written', async () => {
    const engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', deltaDelayMs: 10, deltaChars: 2 });
    const lanes = new EngineLanes(engine);
    const api = lanes.lane('api');
    const window = lanes.lane('window');

    const running = api.generate(ask('api 1'));
    await expect.poll(() => engine.requests.length).toBe(1); // being written
    const queued = [api.generate(ask('api 2')), api.generate(ask('api 3'))];
    const mine = window.generate(ask('window'));
    expect(lanes.pending('api')).toBe(3);
    expect(lanes.pending('window')).toBe(1);

    const results = await Promise.all([running, ...queued, mine]);
    // The engine saw the window's request right after the reply it was writing, before the API requests waiting.
    expect(asked(engine)).toEqual(['api 1', 'window', 'api 2', 'api 3']);
    expect(results.map((result) => result.text)).toEqual(['You said: api 1', 'You said: api 2', 'You said: api 3', 'You said: window']);
    expect(results.every((result) => result.stopReason === 'eos')).toBe(true);
    // The window's wait behind the API reply counts in its time to first token: it is the wait the user saw.
    const windowResult = results[3];
    expect(windowResult?.stats.timeToFirstTokenMs).toBeGreaterThanOrEqual((results[0]?.stats.timeToFirstTokenMs ?? 0) + 20);
    expect(lanes.pending('api')).toBe(0);
  });

  it('answers a request aborted while it waits at once, without the engine, and serves the next', async () => {
    const engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', deltaDelayMs: 10 });
    const lanes = new EngineLanes(engine);
    const api = lanes.lane('api');
    const running = api.generate(ask('first'));
    const controller = new AbortController();
    const waiting = api.generate(ask('gone'), { signal: controller.signal });
    const next = api.generate(ask('next'));
    controller.abort();

    const gone = await waiting;
    expect(gone).toMatchObject({ text: '', stopReason: 'aborted' });
    await Promise.all([running, next]);
    expect(asked(engine)).toEqual(['first', 'next']);
  });

  it('passes status, measure and prefill straight to the engine (they never wait in the lanes)', async () => {
    const engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', deltaDelayMs: 20 });
    const lanes = new EngineLanes(engine);
    const writing = lanes.lane('api').generate(ask('a long one'));
    const window = lanes.lane('window');
    expect(window.status()).toEqual(engine.status());
    const measured = await window.measure(ask('how long is this?'));
    expect(measured?.fits).toBe(true);
    expect(engine.measures).toHaveLength(1);
    await writing;
  });
});
