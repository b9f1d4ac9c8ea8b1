import { describe, expect, it } from 'vitest';
import type { GenerateRequest, PrefillResult } from '../../../../src-main/node/engine/port';
import { useIsolatedEngines } from './support/isolated-engines';
import { waitForStatus } from './support/engine-test-helpers';

// `prefill` over the engine process (the engine contract's `prefill`): the real llama.cpp on the
// tiny synthetic model in a child process. A prefill only ever gives a head start, so a process that dies under it
// resolves it `skipped` rather than failing or leaving it hanging.

const { start } = useIsolatedEngines();

function withDraft(draft: string, cacheKey = 'c1'): GenerateRequest {
  return {
    turns: [
      { role: 'user', content: 'Tell me about rivers. They carry water to the sea.' },
      { role: 'assistant', content: 'Rivers are long, and they flow downhill.' },
      { role: 'user', content: draft },
    ],
    settings: { seed: 1, maxTokens: 4 },
    cacheKey,
  };
}

describe('IsolatedEngine.prefill', () => {
  it('evaluates the prompt ahead in the engine process, so the send of the same request evaluates nothing', async () => {
    const engine = await start();
    const request = withDraft('Which river is the longest?');
    const ahead = await engine.prefill(request);
    expect(ahead.outcome).toBe('done');
    expect(ahead.evaluatedTokens).toBeGreaterThan(20);
    const reply = await engine.generate(request);
    expect(reply.stats.generatedTokens).toBeGreaterThan(0);
    expect(reply.stats.promptTokens).toBe(ahead.reusedTokens + ahead.evaluatedTokens);
    // The prefill evaluated the whole prompt and sampled the first token (see `PrefillResult`).
    expect(reply.stats.evaluatedPromptTokens).toBe(0);

    // Without a prefill, a send evaluates what differs from what is in the cache: here the new last message.
    const other = await engine.generate(withDraft('Which lake is the deepest of all the lakes in the world?'));
    expect(other.stats.evaluatedPromptTokens).toBeGreaterThan(5);
  }, 60_000);

  it('resolves skipped, not rejected and not hanging, when the process is killed during a long prefill; then recovers', async () => {
    const engine = await start({ prefillChunkTokens: 1 });
    const pid = engine.processId();
    expect(pid).toBeGreaterThan(0);
    let settled = false;
    // About 1,650 tokens (the most that fits the window with room for a reply): well over half a second, one per step.
    const long = withDraft('please explain it all again, slowly and in detail. '.repeat(60));
    const running = engine.prefill(long).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 150)); // the process is now evaluating it
    expect(settled).toBe(false);
    process.kill(pid ?? 0, 'SIGKILL');

    const outcome = await Promise.race([
      running,
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    expect(outcome).toEqual({ outcome: 'skipped', reusedTokens: 0, evaluatedTokens: 0 } satisfies PrefillResult);

    // The engine restarts with the model, and prefill and generate work again.
    await waitForStatus(engine, (status) => status.state === 'ready' && engine.processId() !== pid);
    expect(engine.processId()).not.toBe(pid);
    expect((await engine.prefill(withDraft('Short one.'))).outcome).toBe('done');
    const reply = await engine.generate(withDraft('Short one.'));
    expect(reply.stats.generatedTokens).toBeGreaterThan(0);
  }, 60_000);

  it('resolves skipped when the engine is disposed during a prefill, and for any prefill after', async () => {
    const engine = await start({ prefillChunkTokens: 1 });
    let settled = false;
    const running = engine.prefill(withDraft('and once more from the very start. '.repeat(60))).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    await engine.dispose();
    expect((await running).outcome).toMatch(/^(skipped|superseded)$/);
    expect(await engine.prefill(withDraft('Hello'))).toEqual({ outcome: 'skipped', reusedTokens: 0, evaluatedTokens: 0 });
  }, 60_000);
});
