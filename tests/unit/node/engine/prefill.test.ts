import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import type { ChatTurn, GenerateRequest } from '../../../../src-main/node/engine/port';
import { useTinyEngines } from './support/tiny-engines';

// `prefill` on the real engine and the tiny model: the prompt is evaluated ahead (while the user types, or when a
// conversation is opened), so `chat.send` evaluates only what changed since.

const { start, track, scratch, modelPath } = useTinyEngines('phi-desk-prefill-');

const HISTORY: ChatTurn[] = [
  { role: 'user', content: `Tell me about rivers. ${'Rivers carry water to the sea. '.repeat(10)}` },
  { role: 'assistant', content: `Rivers are long. ${'They flow downhill over many miles. '.repeat(10)}` },
];

function withDraft(draft: string, key = 'c1', history: ChatTurn[] = HISTORY): GenerateRequest {
  return { turns: [...history, { role: 'user', content: draft }], settings: { seed: 1, maxTokens: 4 }, cacheKey: key };
}

describe('LlamaEngine.prefill', () => {
  it('evaluates a typed message ahead and samples its first token, so sending it evaluates nothing', async () => {
    const engine = await start();
    const request = withDraft('Which river is the longest?');
    const ahead = await engine.prefill(request);
    expect(ahead.outcome).toBe('done');
    expect(ahead.reusedTokens).toBe(0);
    const reply = await engine.generate(request);
    expect(ahead.evaluatedTokens).toBe(reply.stats.promptTokens);
    expect(reply.stats.evaluatedPromptTokens).toBe(0);
    expect(reply.stats.generatedTokens).toBeGreaterThan(0);

    // The reply is the one evaluating everything at send time gives.
    const fresh = await start();
    const reference = await fresh.generate(request);
    expect(reference.stats.evaluatedPromptTokens).toBe(reference.stats.promptTokens);
    expect(reply.text).toBe(reference.text);
  });

  it('follows the draft as it changes: only the changed end is evaluated again', async () => {
    const engine = await start();
    const first = await engine.prefill(withDraft('Which river is'));
    const second = await engine.prefill(withDraft('Which river is the longest in Africa?'));
    expect(second.outcome).toBe('done');
    expect(second.reusedTokens).toBeGreaterThan(first.evaluatedTokens - 5); // only the draft's end changed
    const sent = await engine.generate(withDraft('Which river is the longest in Africa?'));
    expect(second.reusedTokens + second.evaluatedTokens).toBe(sent.stats.promptTokens);
    expect(sent.stats.evaluatedPromptTokens).toBe(0);
    const edited = await engine.prefill(withDraft('Which lake is the deepest?'));
    expect(edited.reusedTokens).toBeLessThan(second.reusedTokens); // erased back to where the text differs
    const reply = await engine.generate(withDraft('Which lake is the deepest?'));
    expect(reply.stats.evaluatedPromptTokens).toBe(0);
  });

  it('opening a conversation (an empty draft) leaves only the new message to evaluate at send', async () => {
    const engine = await start();
    const opened = await engine.prefill(withDraft(''));
    expect(opened.outcome).toBe('done');
    const reply = await engine.generate(withDraft('Why?'));
    // `Instruct:` and what precedes it came from the cache: the new message and `\nOutput:` remain.
    expect(reply.stats.evaluatedPromptTokens).toBeGreaterThan(1);
    expect(reply.stats.evaluatedPromptTokens).toBeLessThan(8);
    expect(reply.stats.promptTokens - reply.stats.evaluatedPromptTokens).toBeGreaterThan(opened.evaluatedTokens - 6);
  });

  it('gives way to a generate at its next step, keeping what it evaluated', async () => {
    const engine = await start({ prefillChunkTokens: 4 });
    const long = withDraft('please explain it again '.repeat(60));
    const prefill = engine.prefill(long);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const other = await engine.generate({ turns: [{ role: 'user', content: 'Hi' }], settings: { seed: 1, maxTokens: 2 } });
    const ahead = await prefill;
    expect(other.stats.generatedTokens).toBeGreaterThan(0);
    expect(ahead.outcome).toBe('superseded');
    expect(ahead.evaluatedTokens).toBeGreaterThan(0);
    const full = await engine.prefill(withDraft('short'));
    expect(full.outcome).toBe('done');
  });

  it('a newer prefill replaces one still waiting for its turn', async () => {
    const engine = await start();
    const busy = engine.generate({ turns: [{ role: 'user', content: 'Count to ten.' }], settings: { seed: 1, maxTokens: 40 } });
    const older = engine.prefill(withDraft('Which'));
    const newer = engine.prefill(withDraft('Which river?'));
    await busy;
    expect(await older).toMatchObject({ outcome: 'superseded', evaluatedTokens: 0 });
    expect((await newer).outcome).toBe('done');
  });

  it('skips a prompt that does not fit the window, and a request before any model is loaded', async () => {
    const engine = await start({ maxContextSize: 256 });
    expect(await engine.prefill(withDraft('far too long '.repeat(400)))).toMatchObject({ outcome: 'skipped', evaluatedTokens: 0 });
    await expect(engine.generate(withDraft('far too long '.repeat(400)))).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW' });
    const empty = track(new LlamaEngine({ threads: 1 }));
    expect(await empty.prefill(withDraft('Hello'))).toMatchObject({ outcome: 'skipped' });
  });

  it('saves the conversation at once when a prefill has made it ready for its next message; a draft does not', async () => {
    const dir = scratch('save-now');
    const engine = await start({ kvCacheDir: dir }); // kvSaveDelayMs 60 s: only the prefill can have saved it
    const states = async (): Promise<string[]> =>
      (await readdir(dir, { recursive: true }).catch(() => [])).filter((file) => file.endsWith('.state'));
    const turns = [...HISTORY, { role: 'user' as const, content: 'More?' }];
    const reply = await engine.generate({ turns, settings: { seed: 1, maxTokens: 6 }, cacheKey: 's' });
    const history: ChatTurn[] = [...turns, { role: 'assistant', content: reply.text }];
    await engine.prefill(withDraft('Still typing', 's', history), { stillTyping: true });
    await engine.prefill(withDraft('A draft', 's', history));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await states()).toEqual([]);
    await engine.prefill(withDraft('', 's', history)); // what the app does after a reply
    await expect.poll(states, { timeout: 5000 }).toHaveLength(1);
  });

  it('saves a conversation opened without a saved state once its history is evaluated; never a draft alone', async () => {
    const dir = scratch('opened');
    const states = async (): Promise<string[]> =>
      (await readdir(dir, { recursive: true }).catch(() => [])).filter((file) => file.endsWith('.state'));
    const drafting = await start({ kvCacheDir: dir });
    expect((await drafting.prefill(withDraft('A long draft', 'd'))).evaluatedTokens).toBeGreaterThan(300);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await states()).toEqual([]);

    const opening = await start({ kvCacheDir: dir });
    expect((await opening.prefill(withDraft('', 'o'))).evaluatedTokens).toBeGreaterThan(300);
    await expect.poll(states, { timeout: 5000 }).toHaveLength(1);
  });

  it('after a restart, opening a conversation restores its saved state instead of evaluating its history', async () => {
    const dir = scratch('restart');
    const first = await start({ kvCacheDir: dir });
    const turns = [...HISTORY, { role: 'user' as const, content: 'More?' }];
    const reply = await first.generate({ turns, settings: { seed: 1, maxTokens: 6 }, cacheKey: 'r' });
    const history: ChatTurn[] = [...turns, { role: 'assistant', content: reply.text }];
    await first.dispose(); // saves the conversation's state

    const second = await start({ kvCacheDir: dir });
    const opened = await second.prefill(withDraft('', 'r', history));
    expect(opened.outcome).toBe('done');
    expect(opened.reusedTokens).toBeGreaterThan(reply.stats.promptTokens - 2);
    expect(opened.evaluatedTokens).toBeLessThan(opened.reusedTokens / 4); // the reply's own tokens, at most
    const next = await second.generate(withDraft('And then?', 'r', history));
    expect(next.stats.evaluatedPromptTokens).toBeLessThan(10);
  });
});

describe('LlamaEngine.prefill, the reply started ahead', () => {
  it('is used only by the same prompt with the same sampling settings, and gives the same reply as without it', async () => {
    const engine = await start();
    const request = withDraft('Name a river.');
    await engine.prefill(request);
    const hotter = await engine.generate({ ...request, settings: { seed: 1, maxTokens: 4, temperature: 1.2 } });
    expect(hotter.stats.evaluatedPromptTokens).toBe(1); // other settings: the prompt is kept, the sample is not

    await engine.prefill(request);
    const same = await engine.generate(request);
    expect(same.stats.evaluatedPromptTokens).toBe(0);
    const fresh = await start();
    expect((await fresh.generate(request)).text).toBe(same.text);
  });

  it('is dropped cleanly by an edit, a generate of something else, a new model and dispose', async () => {
    const engine = await start();
    await engine.prefill(withDraft('Name a river.'));
    const other = await engine.generate(withDraft('Name a lake.'));
    expect(other.stats.generatedTokens).toBeGreaterThan(0);
    expect(other.stats.evaluatedPromptTokens).toBeLessThan(other.stats.promptTokens / 4);

    await engine.prefill(withDraft('Name a mountain.'));
    await engine.load(modelPath()); // replaces the model (and its context) under the primed reply
    const afterLoad = await engine.generate(withDraft('Name a mountain.'));
    expect(afterLoad.stats.evaluatedPromptTokens).toBe(afterLoad.stats.promptTokens);

    await engine.prefill(withDraft('Name a sea.'));
    await engine.dispose();
    expect(engine.status().state).toBe('noModel');
  });
});

describe('LlamaEngine.prefill while the user is still typing', () => {
  it("evaluates only the finished words: not a half-typed word, not the prompt's closing, and samples nothing", async () => {
    const engine = await start();
    const typing = await engine.prefill(withDraft('Which river is the lon'), { stillTyping: true });
    expect(typing.outcome).toBe('done');
    const reply = await engine.generate(withDraft('Which river is the longest?'));
    // What was evaluated ahead is all reused, and it stopped before "lon": the rest is the word and `\nOutput:`.
    // (The tiny model's vocabulary merges across word ends now and then: a token's difference is allowed.)
    const reused = reply.stats.promptTokens - reply.stats.evaluatedPromptTokens;
    expect(reused).toBeGreaterThanOrEqual(typing.reusedTokens + typing.evaluatedTokens - 1);
    expect(typing.reusedTokens + typing.evaluatedTokens).toBeGreaterThan(400);
    expect(reply.stats.evaluatedPromptTokens).toBeGreaterThanOrEqual(4);
    expect(reply.stats.evaluatedPromptTokens).toBeLessThan(12);

    // A finished message still typing-marked: the closing is left out, so the send evaluates it (and nothing was sampled).
    await engine.prefill(withDraft('Which lake is deepest?'), { stillTyping: true });
    const lake = await engine.generate(withDraft('Which lake is deepest?'));
    expect(lake.stats.evaluatedPromptTokens).toBeGreaterThanOrEqual(3);
    expect(lake.stats.evaluatedPromptTokens).toBeLessThan(8);
  });

  it('a pause after typing evaluates the rest and starts the reply', async () => {
    const engine = await start();
    const typing = await engine.prefill(withDraft('Which sea is the sal'), { stillTyping: true });
    const paused = await engine.prefill(withDraft('Which sea is the saltiest?'));
    expect(paused.reusedTokens).toBeGreaterThanOrEqual(typing.reusedTokens + typing.evaluatedTokens - 1);
    expect(paused.evaluatedTokens).toBeLessThan(12);
    const reply = await engine.generate(withDraft('Which sea is the saltiest?'));
    expect(reply.stats.evaluatedPromptTokens).toBe(0);
  });
});
