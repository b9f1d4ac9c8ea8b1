import { describe, expect, it } from 'vitest';
import { createAppEngine } from '../../../../src-main/node/engine/process/create-engine';
import type { ContextWindowInfo, GenerateRequest } from '../../../../src-main/node/engine/port';
import { useIsolatedEngines } from './support/isolated-engines';
import { waitForStatus } from './support/engine-test-helpers';

// `measure` over the engine process (the engine contract's `measure`): the real llama.cpp on the
// tiny synthetic model in a child process. The process answers it between the steps of a reply it is writing.

const { start } = useIsolatedEngines();

function withDraft(draft: string, settings: GenerateRequest['settings'] = { seed: 1, maxTokens: 4 }): GenerateRequest {
  return {
    systemPrompt: 'Answer briefly.',
    turns: [
      { role: 'user', content: 'Tell me about rivers. They carry water to the sea.' },
      { role: 'assistant', content: 'Rivers are long, and they flow downhill.' },
      { role: 'user', content: draft },
    ],
    settings,
    cacheKey: 'c1',
  };
}

describe('IsolatedEngine.measure', () => {
  it('counts in the engine process what generate then reports, dropped turns and overflow included', async () => {
    const engine = await start({ maxContextSize: 256, replyReserveTokens: 16 });
    const request = withDraft('Which river is the longest?');
    const measured = await engine.measure(request);
    let context: ContextWindowInfo | null = null;
    await engine.generate(request, { onContext: (info) => (context = info) });
    expect(measured).toEqual({ contextSize: 256, replyReserve: 4, fits: true, exact: true, ...context!, replyTokens: 4 });

    // A draft that pushes the history out of the small window, then one too long for it alone.
    const crowded = withDraft('and the lakes, the seas and the oceans of the world '.repeat(9));
    const dropped = await engine.measure(crowded);
    await engine.generate(crowded, { onContext: (info) => (context = info) });
    expect(dropped).toMatchObject({ fits: true, ...context! });
    expect(dropped?.turnsDropped).toBe(2);
    const tooLong = await engine.measure(withDraft('word '.repeat(300)));
    expect(tooLong).toMatchObject({ fits: false, exact: true, turnsInView: 1, replyTokens: 0 });
    expect(tooLong?.promptTokens).toBeGreaterThan(256 - 4);
  }, 60_000);

  it('answers at once while the process writes a reply, and the reply is unaffected', async () => {
    const engine = await start();
    const request = withDraft('Write a long story about the river.', { seed: 3, maxTokens: 500 });
    let finished = false;
    const latencies: number[] = [];
    let measuring: Promise<void> | undefined;
    const measureWhileWriting = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        const asked = performance.now();
        const measured = await engine.measure(withDraft(`Question ${i}?`));
        latencies.push(performance.now() - asked);
        expect(measured?.fits).toBe(true);
        expect(finished).toBe(false);
      }
    };
    const result = await engine.generate(request, {
      onText: () => {
        measuring ??= measureWhileWriting();
      },
    });
    finished = true;
    await measuring;
    expect(latencies).toHaveLength(5);
    for (const latency of latencies) expect(latency).toBeLessThan(200);
    const reference = await (await start()).generate(request);
    expect(result.text).toBe(reference.text);
    expect(result.stats.generatedTokens).toBe(reference.stats.generatedTokens);
  }, 60_000);

  it('is null, without starting a process, while no model is loaded; null once the process is gone', async () => {
    const idle = createAppEngine({ threads: 1 });
    expect(await idle.measure(withDraft('Hello'))).toBeNull();
    expect(idle.processId()).toBeUndefined();
    await idle.dispose();

    const engine = await start();
    const pid = engine.processId();
    process.kill(pid ?? 0, 'SIGKILL');
    // While the process restarts (and reloads the model) there is nothing to count with.
    await waitForStatus(engine, (status) => status.state !== 'ready');
    expect(await engine.measure(withDraft('Hello'))).toBeNull();
    await waitForStatus(engine, (status) => status.state === 'ready');
    expect(await engine.measure(withDraft('Hello'))).toMatchObject({ fits: true, contextSize: 2048 });
  }, 60_000);
});
