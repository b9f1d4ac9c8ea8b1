import { describe, expect, it } from 'vitest';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import type { ChatTurn, ContextWindowInfo, GenerateRequest, PromptMeasure } from '../../../../src-main/node/engine/port';
import { engineError } from './support/engine-test-helpers';
import { useTinyEngines } from './support/tiny-engines';

// `measure` on the real engine and the tiny model: the tokens of the prompt `generate` would evaluate for the same
// request, counted with the model's tokenizer and fitted the same way (what is dropped, what does not fit), without
// waiting for or disturbing a reply being written.

const { start, modelPath } = useTinyEngines('phi-desk-measure-');

const HISTORY: ChatTurn[] = [
  { role: 'user', content: `Tell me about rivers. ${'Rivers carry water to the sea. '.repeat(6)}` },
  { role: 'assistant', content: `Rivers are long. ${'They flow downhill over many miles. '.repeat(6)}` },
];

function withDraft(draft: string, settings: GenerateRequest['settings'] = { seed: 1, maxTokens: 4 }): GenerateRequest {
  return {
    systemPrompt: 'You are a geography teacher.',
    turns: [...HISTORY, { role: 'user', content: draft }],
    settings,
    cacheKey: 'c1',
  };
}

/** Runs `generate` and returns what its `onContext` reported. */
async function contextOf(engine: LlamaEngine, request: GenerateRequest): Promise<ContextWindowInfo> {
  let seen: ContextWindowInfo | null = null;
  await engine.generate(request, { onContext: (info) => (seen = info) });
  expect(seen).not.toBeNull();
  return seen as unknown as ContextWindowInfo;
}

describe('LlamaEngine.measure', () => {
  it('counts exactly the prompt tokens generate then reports, and the room left for the reply', async () => {
    const engine = await start();
    const request = withDraft('Which river is the longest?', { seed: 1, maxTokens: 100 });
    const measured = await engine.measure(request);
    const context = await contextOf(engine, request);
    expect(measured).toEqual({
      contextSize: 2048,
      replyReserve: 100, // the engine's 256, capped by the reply's length limit
      fits: true,
      promptTokens: context.promptTokens,
      exact: true,
      turnsInView: 3,
      turnsDropped: 0,
      replyTokens: 100,
    } satisfies PromptMeasure);
    expect(context.promptTokens).toBeGreaterThan(60);

    // More text, more tokens; an empty draft still counts the prompt's framing for the next message.
    const longer = await engine.measure(withDraft('Which river is the longest, and which is the widest?'));
    expect(longer?.promptTokens).toBeGreaterThan(context.promptTokens);
    const empty = await engine.measure(withDraft(''));
    expect(empty?.promptTokens).toBeLessThan(context.promptTokens);
    expect(empty?.promptTokens).toBe((await contextOf(engine, withDraft(''))).promptTokens);
  });

  it('fits a long conversation into a small window exactly as generate does, turn after turn', async () => {
    const engine = await start({ maxContextSize: 256, replyReserveTokens: 16 });
    const turns: ChatTurn[] = [];
    let dropped = 0;
    for (let round = 0; round < 14; round++) {
      const request: GenerateRequest = {
        turns: [...turns, { role: 'user', content: `question ${round} about the river and its many bridges` }],
        settings: { seed: 1, maxTokens: 6 },
        cacheKey: 'long',
      };
      const measured = await engine.measure(request);
      const result = await engine.generate(request);
      // The same start kept (or moved) as generate chose, the same tokens.
      expect(measured, `round ${round}`).toMatchObject({ fits: true, exact: true, ...result.context });
      expect(measured?.replyTokens).toBe(Math.min(6, 256 - 1 - result.context.promptTokens));
      dropped = result.context.turnsDropped;
      turns.push(request.turns.at(-1) as ChatTurn, { role: 'assistant', content: result.text });
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it('says a draft too long for the window does not fit, by how much, as generate refuses it', async () => {
    const engine = await start({ maxContextSize: 256, replyReserveTokens: 64 });
    const request: GenerateRequest = { turns: [...HISTORY, { role: 'user', content: 'word '.repeat(300) }], settings: { maxTokens: 100 } };
    const measured = await engine.measure(request);
    expect(measured).toMatchObject({ contextSize: 256, replyReserve: 64, fits: false, exact: true, replyTokens: 0 });
    // Only the draft's own exchange is left to count: everything before it is dropped, and it still does not fit.
    expect(measured).toMatchObject({ turnsInView: 1, turnsDropped: 2 });
    const error = await engineError(engine.generate(request));
    expect(error.code).toBe('CONTEXT_OVERFLOW');
    expect(error.message).toContain(`the prompt would be ${measured?.promptTokens} tokens`);
    expect(measured?.promptTokens).toBeGreaterThan(256 - 64);

    // A huge paste is bounded from below, at once, without tokenizing it.
    const started = performance.now();
    const huge = await engine.measure({ turns: [{ role: 'user', content: 'lorem ipsum dolor sit amet '.repeat(400_000) }] });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(huge).toMatchObject({ fits: false, exact: false });
    expect(huge?.promptTokens).toBeGreaterThan(256);
  });

  it('answers at once while a reply is being written, and the reply is the one written without it', async () => {
    const engine = await start();
    const request = withDraft('Write a long story about the river.', { seed: 7, maxTokens: 600 });
    let finished = false;
    const latencies: number[] = [];
    let measuring: Promise<void> | undefined;
    const measureWhileWriting = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        const asked = performance.now();
        const measured = await engine.measure(withDraft(`Another question, number ${i}?`));
        latencies.push(performance.now() - asked);
        expect(measured?.fits).toBe(true);
        expect(finished).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 5));
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
    for (const latency of latencies) expect(latency).toBeLessThan(100);
    expect(result.stats.generatedTokens).toBeGreaterThan(50);

    const reference = await (await start()).generate(request);
    expect(result.text).toBe(reference.text);
    expect(result.stats.generatedTokens).toBe(reference.stats.generatedTokens);
  });

  it('is null without a model, and after dispose', async () => {
    const engine = new LlamaEngine({ threads: 1 });
    try {
      expect(await engine.measure(withDraft('Hello'))).toBeNull();
      await engine.load(modelPath());
      expect(await engine.measure(withDraft('Hello'))).toMatchObject({ fits: true });
    } finally {
      await engine.dispose();
    }
    expect(await engine.measure(withDraft('Hello'))).toBeNull();
  });
});
