import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import { getTinyModelPath } from '../../../fixtures/models';
import { edit, regenerate, send, startHarness, tempDataDir, type Harness } from './compose-harness';

// The tree flow with the real engine (node-llama-cpp on the tiny synthetic Phi-2 model, random weights): the
// assertions are about structure, settings and determinism, never particular words.

let data: ReturnType<typeof tempDataDir>;
let engine: LlamaEngine;
let harness: Harness;

beforeAll(async () => {
  data = tempDataDir();
  engine = new LlamaEngine({ threads: 2 });
  await engine.load(await getTinyModelPath());
  harness = startHarness(data.dir, engine);
});

afterAll(async () => {
  await harness?.close(); // disposes the engine too
  data.remove();
});

describe('the message tree with the real engine', () => {
  it('send, edit, regenerate and switchBranch: every branch kept, greedy replies reproducible, context reported', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    await client.call('conversations.update', { id: conversation.id, generation: { temperature: 0, maxTokens: 12 } });

    const first = await send(client, conversation.id, 'Hello there');
    expect(first.result.status).toBe('complete');
    expect(first.text).not.toBe(''); // the comparisons below mean something only with text to compare
    expect(first.result.content).toBe(first.text);
    expect(first.result.stats?.generatedTokens).toBeLessThanOrEqual(12);
    const context = first.events.find((event) => event.type === 'onContext');
    expect(context).toMatchObject({ messageId: first.result.id, messagesInView: 1, messagesDropped: 0 });
    expect(first.result.stats).toMatchObject({ messagesInView: 1, messagesDropped: 0 });
    expect(first.result.stats?.promptTokens).toBeGreaterThan(0);

    // Greedy sampling: a regenerated reply to the same prompt is the same text, written as a sibling.
    const again = await regenerate(client, first.result.id);
    expect(again.result).toMatchObject({ status: 'complete', parentId: first.result.parentId, content: first.result.content });
    expect(again.result.id).not.toBe(first.result.id);

    const userId = first.result.parentId ?? '';
    const edited = await edit(client, userId, 'Goodbye now');
    expect(edited.result.status).toBe('complete');
    const view = await client.call('conversations.get', { id: conversation.id });
    expect(view.messages.map((m) => m.content)).toEqual(['Goodbye now', edited.result.content]);
    expect(view.branches).toEqual([expect.objectContaining({ index: 1, count: 2, previousId: userId })]);
    expect(view.conversation).toMatchObject({ title: 'Hello there', model: expect.any(String) as unknown });

    const back = await client.call('messages.switchBranch', { messageId: userId });
    expect(back.messages.map((m) => m.id)).toEqual([userId, again.result.id]);
    const replies = back.branches.find((position) => position.messageId === again.result.id);
    expect(replies).toMatchObject({ index: 1, count: 2, previousId: first.result.id });

    // A follow-up on the shown branch sees that branch's history.
    const followUp = await send(client, conversation.id, 'And then?');
    expect(followUp.result.status).toBe('complete');
    expect(followUp.result.stats).toMatchObject({ messagesInView: 3, messagesDropped: 0 });
  }, 60_000);

  it('the system prompt and sampling settings reach the real engine', async () => {
    const { client } = harness;
    const conversation = await client.call('conversations.create', {});
    await client.call('conversations.update', { id: conversation.id, generation: { temperature: 1.2, seed: 1234, maxTokens: 6 } });
    const plain = await send(client, conversation.id, 'Name a colour');
    expect(plain.result.stats?.generatedTokens).toBeLessThanOrEqual(6);
    expect(plain.result.content).not.toBe('');
    // Same seed, same prompt: the same sampled reply, even at a high temperature.
    const same = await regenerate(client, plain.result.id);
    expect(same.result.content).toBe(plain.result.content);

    // A system prompt is part of what the model reads: the prompt grows by its tokens.
    await client.call('conversations.update', { id: conversation.id, systemPrompt: 'You are a terse assistant who answers in one word only.' });
    const withPrompt = await regenerate(client, plain.result.id);
    const promptTokens = (run: typeof plain) => run.result.stats?.promptTokens ?? 0;
    expect(promptTokens(withPrompt)).toBeGreaterThan(promptTokens(plain) + 5);
  }, 60_000);
});
