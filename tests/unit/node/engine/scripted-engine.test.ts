import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EngineStatus } from '../../../../src-main/common/types';
import { EngineError, type GenerateRequest } from '../../../../src-main/node/engine/port';
import { ScriptedEngine } from '../../../../src-main/node/engine/scripted-engine';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-scripted-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hello: GenerateRequest = { turns: [{ role: 'user', content: 'Hello' }] };

async function loadedEngine(options: ConstructorParameters<typeof ScriptedEngine>[0] = {}): Promise<ScriptedEngine> {
  const engine = new ScriptedEngine(options);
  await engine.load('/models/phi-2.Q4_0.gguf');
  return engine;
}

describe('ScriptedEngine', () => {
  it('fits its (estimated, 4 characters a token) context window like the real engine, reporting what is in view', async () => {
    const engine = await loadedEngine({ contextSize: 40, replyReserveTokens: 8 });
    // Each exchange 'Instruct: aaaaaaaaaaaaaaaaaaaa\nOutput: bbbbbbbbbbbbbbbbbbbb' is 59 characters.
    const turns: GenerateRequest['turns'] = [];
    for (let i = 0; i < 4; i++) turns.push({ role: 'user', content: 'a'.repeat(20) }, { role: 'assistant', content: 'b'.repeat(20) });
    turns.push({ role: 'user', content: 'last' });
    const infos: unknown[] = [];
    const result = await engine.generate({ turns }, { onContext: (info) => infos.push(info) });
    // Budget 32 tokens = 128 characters: two exchanges (118 + 2 newlines) + 'Instruct: last\nOutput:' (22) is too many.
    expect(result.context).toEqual({ turnsInView: 3, turnsDropped: 6, promptTokens: Math.ceil((59 + 1 + 22) / 4) });
    expect(infos).toEqual([result.context]);
    expect(result.stats.promptTokens).toBe(result.context.promptTokens);
    const error = await engine.generate({ turns: [{ role: 'user', content: 'x'.repeat(200) }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('CONTEXT_OVERFLOW');
  });

  it('measures a request as generate fits it (4 characters a token), at once while a reply streams; null without a model', async () => {
    const engine = await loadedEngine({ contextSize: 40, replyReserveTokens: 8, deltaDelayMs: 5 });
    const turns: GenerateRequest['turns'] = [];
    for (let i = 0; i < 4; i++) turns.push({ role: 'user', content: 'a'.repeat(20) }, { role: 'assistant', content: 'b'.repeat(20) });
    turns.push({ role: 'user', content: 'last' });
    const request: GenerateRequest = { turns, settings: { maxTokens: 20 } };
    engine.queueReply('a reply long enough to stream for a while');
    let done = false;
    const writing = engine.generate(request).then((result) => {
      done = true;
      return result;
    });
    const measured = await engine.measure(request);
    expect(done).toBe(false);
    const result = await writing;
    // The same fit: 21 tokens, 3 turns in view; the reply may use what is left of the 40, up to its 20.
    expect(measured).toEqual({
      contextSize: 40,
      replyReserve: 8,
      fits: true,
      exact: true,
      ...result.context,
      replyTokens: Math.min(20, 40 - 1 - result.context.promptTokens),
    });
    expect(engine.measures).toEqual([request]);
    // Too long alone: 'Instruct: xxx…\nOutput:' is 200 + 18 characters = 55 tokens, over the 32 the prompt may take.
    expect(await engine.measure({ turns: [{ role: 'user', content: 'x'.repeat(200) }] })).toMatchObject({
      fits: false,
      exact: true,
      promptTokens: Math.ceil(218 / 4),
      replyTokens: 0,
    });
    expect(await new ScriptedEngine().measure(request)).toBeNull();
    await engine.dispose();
    expect(await engine.measure(request)).toBeNull();
  });

  it('streams the queued reply in small deltas that concatenate to the result', async () => {
    const engine = await loadedEngine({ deltaChars: 3 });
    engine.queueReply('Paris is the capital of France.');
    const deltas: string[] = [];
    const result = await engine.generate(hello, { onText: (delta) => deltas.push(delta) });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(deltas.join('')).toBe(result.text);
    expect(deltas.every((delta) => [...delta].length <= 3)).toBe(true);
    expect(result.stopReason).toBe('eos');
    expect(result.stats.generatedTokens).toBe(deltas.length);
    expect(engine.requests).toEqual([hello]);
  });

  it('uses queued replies first, in order, then the reply function', async () => {
    const engine = await loadedEngine({ reply: (request) => `echo: ${request.turns.at(-1)?.content ?? ''}` });
    engine.queueReply('one', 'two');
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await engine.generate(hello)).text);
    expect(texts).toEqual(['one', 'two', 'echo: Hello']);
  });

  it('answers "You said: …" by default', async () => {
    const engine = await loadedEngine();
    expect((await engine.generate(hello)).text).toBe('You said: Hello');
  });

  it('never splits an emoji between deltas', async () => {
    const engine = await loadedEngine({ deltaChars: 1 });
    engine.queueReply('a🎉b');
    const deltas: string[] = [];
    await engine.generate(hello, { onText: (delta) => deltas.push(delta) });
    expect(deltas).toEqual(['a', '🎉', 'b']);
  });

  it('stops at maxTokens (one token per delta)', async () => {
    const engine = await loadedEngine({ deltaChars: 2 });
    engine.queueReply('abcdefgh');
    const result = await engine.generate({ ...hello, settings: { maxTokens: 2 } });
    expect(result).toMatchObject({ text: 'abcd', stopReason: 'maxTokens', stats: { generatedTokens: 2 } });
  });

  it('stops at once on abort, keeping the text so far', async () => {
    const engine = await loadedEngine({ deltaChars: 1, deltaDelayMs: 5 });
    engine.queueReply('a long scripted answer');
    const controller = new AbortController();
    const deltas: string[] = [];
    const result = await engine.generate(hello, {
      signal: controller.signal,
      onText: (delta) => {
        deltas.push(delta);
        if (deltas.length === 3) controller.abort();
      },
    });
    expect(result).toMatchObject({ text: 'a l', stopReason: 'aborted' });
    expect(deltas).toEqual(['a', ' ', 'l']);
  });

  it('streams at a fixed rate against the clock (deltasPerSecond): a late delta does not delay the ones after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    try {
      const engine = await loadedEngine({ deltaChars: 1, deltasPerSecond: 100 });
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

  it('scripts a failure after partial text', async () => {
    const engine = await loadedEngine();
    const failure = new EngineError('GENERATION_FAILED', 'boom');
    engine.queueReply({ text: 'partial', error: failure });
    const deltas: string[] = [];
    await expect(engine.generate(hello, { onText: (delta) => deltas.push(delta) })).rejects.toBe(failure);
    expect(deltas.join('')).toBe('partial');
  });

  it('serves concurrent requests one at a time, in order', async () => {
    const engine = await loadedEngine({ deltaChars: 1, deltaDelayMs: 1 });
    engine.queueReply('aaa', 'bbb');
    const log: string[] = [];
    await Promise.all([
      engine.generate(hello, { onText: (delta) => log.push(delta) }),
      engine.generate(hello, { onText: (delta) => log.push(delta) }),
    ]);
    expect(log.join('')).toBe('aaabbb');
  });

  it('goes through loading with progress to ready, like the real engine', async () => {
    const engine = new ScriptedEngine({ contextSize: 4096 });
    const statuses: EngineStatus[] = [];
    engine.onStatus((status) => statuses.push(status));
    await engine.load('/models/phi-2.Q4_0.gguf');
    expect(statuses.map((status) => [status.state, status.loadProgress])).toEqual([
      ['loading', 0],
      ['loading', 0.5],
      ['loading', 1],
      ['ready', null],
    ]);
    expect(engine.status()).toMatchObject({ modelName: 'phi-2.Q4_0.gguf', contextSize: 4096 });
  });

  it('refuses to generate before a model is loaded', async () => {
    const error = await new ScriptedEngine().generate(hello).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'NO_MODEL' });
  });

  it('can start ready, and validate files like the real engine, keeping the previous model on failure', async () => {
    const engine = new ScriptedEngine({ initialModelPath: '/models/a.gguf', checkModelFile: true });
    expect(engine.status()).toMatchObject({ state: 'ready', modelName: 'a.gguf' });
    const notModel = join(dir, 'notes.gguf');
    await writeFile(notModel, 'hello');
    await expect(engine.load(join(dir, 'missing.gguf'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await expect(engine.load(notModel)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    expect(engine.status()).toMatchObject({ state: 'ready', modelName: 'a.gguf' });
  });

  it('ends in state error when its first load fails', async () => {
    const engine = new ScriptedEngine({ checkModelFile: true });
    await expect(engine.load(join(dir, 'missing.gguf'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(engine.status().state).toBe('error');
  });

  it('aborts a running reply on dispose and refuses further use', async () => {
    const engine = await loadedEngine({ deltaChars: 1, deltaDelayMs: 5 });
    engine.queueReply('x'.repeat(1000));
    const running = engine.generate(hello);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.dispose();
    await expect(running).resolves.toMatchObject({ stopReason: 'aborted' });
    expect(engine.status().state).toBe('noModel');
    await expect(engine.generate(hello)).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
