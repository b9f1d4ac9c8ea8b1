import { describe, expect, it, vi } from 'vitest';
import type { GenerateRequest } from '../../../src-main/node/engine/port';
import { ScriptedEngine } from '../../support/scripted-engine';

const hello: GenerateRequest = { turns: [{ role: 'user', content: 'Hello' }] };

// The UI benchmark streams at 50 tokens/s through this pacing; the contract suite covers the rest of the fake.
describe('the scripted engine’s pacing (deltasPerSecond)', () => {
  it('streams at a fixed rate against the clock: a late delta does not delay the ones after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    try {
      const engine = new ScriptedEngine({ deltaChars: 1, deltasPerSecond: 100 });
      await engine.load('/models/phi-2.Q4_0.gguf');
      engine.queueReply('x'.repeat(10));
      const started = performance.now();
      const arrivals: number[] = [];
      const writing = engine.generate(hello, {
        onText: () => {
          arrivals.push(performance.now() - started);
          if (arrivals.length === 3) vi.advanceTimersByTime(35); // the host was busy for 35 ms after the third
        },
      });
      await vi.runAllTimersAsync();
      await writing;
      // Every 10 ms; the three that fell due while it was busy come at once, then the rate goes on as planned.
      expect(arrivals).toEqual([10, 20, 30, 65, 65, 65, 70, 80, 90, 100]);
    } finally {
      vi.useRealTimers();
    }
  });
});
