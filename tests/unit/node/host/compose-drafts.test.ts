import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../../../src-main/common/contract';
import { MAX_MESSAGE_LENGTH } from '../../../../src-main/common/schemas';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { startHarness, tempDataDir, type Harness } from './compose-harness';

// Drafts over the real contract on a real database: what the window saves as the user types, and finds again after
// a reload or a restart.

let data: ReturnType<typeof tempDataDir>;
const open: Harness[] = [];

beforeEach(() => {
  data = tempDataDir();
});
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  data.remove();
});

function boot(): Harness {
  const harness = startHarness(data.dir, new ScriptedEngine({ initialModelPath: path.join(data.dir, 'tiny.gguf') }));
  open.push(harness);
  return harness;
}

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe('drafts', () => {
  it('keeps one draft per conversation and one for the new chat, across a restart', async () => {
    const first = boot();
    const { client } = first;
    const trip = await client.call('conversations.create', { title: 'Trip' });
    expect(await client.call('drafts.get', { conversationId: trip.id })).toEqual({
      conversationId: trip.id,
      text: '',
      fullLength: null,
      savedAt: null,
    });
    const saved = await client.call('drafts.save', { conversationId: trip.id, text: 'What about Porto' });
    expect(saved).toMatchObject({ conversationId: trip.id, text: 'What about Porto', fullLength: null });
    expect(saved.savedAt).toEqual(expect.any(Number));
    await client.call('drafts.save', { conversationId: trip.id, text: 'What about Porto in May?' });
    await client.call('drafts.save', { conversationId: null, text: 'A new idea' });
    await first.close();

    const { client: again } = boot();
    expect((await again.call('drafts.get', { conversationId: trip.id })).text).toBe('What about Porto in May?');
    expect((await again.call('drafts.get', { conversationId: null })).text).toBe('A new idea');
  });

  it('an empty text removes the draft; deleting the conversation deletes its draft', async () => {
    const { client } = boot();
    const conversation = await client.call('conversations.create', {});
    await client.call('drafts.save', { conversationId: conversation.id, text: 'soon gone' });
    expect(await client.call('drafts.save', { conversationId: conversation.id, text: '' })).toMatchObject({ text: '', savedAt: null });
    await client.call('drafts.save', { conversationId: conversation.id, text: 'again' });
    await client.call('conversations.delete', { id: conversation.id });
    // Reading a deleted conversation's draft finds none…
    expect((await client.call('drafts.get', { conversationId: conversation.id })).text).toBe('');
    // …and saving to it is NOT_FOUND.
    expect((await failure(client.call('drafts.save', { conversationId: conversation.id, text: 'x' }))).code).toBe('NOT_FOUND');
  });

  it('a text longer than a message is kept as its start, with its full length; more than that is refused', async () => {
    const { client } = boot();
    const start = 'y'.repeat(MAX_MESSAGE_LENGTH);
    const saved = await client.call('drafts.save', { conversationId: null, text: start, fullLength: 10_000_000 });
    expect(saved).toMatchObject({ fullLength: 10_000_000 });
    expect((await client.call('drafts.get', { conversationId: null })).text).toBe(start);

    const tooLong = await failure(client.call('drafts.save', { conversationId: null, text: `${start}y` }));
    expect(tooLong.code).toBe('BAD_REQUEST');
    expect(tooLong.message).toMatch(/a draft saves at most 1,000,000 characters/);
    const inconsistent = await failure(client.call('drafts.save', { conversationId: null, text: 'abc', fullLength: 2 }));
    expect(inconsistent.message).toMatch(/fullLength is the length of a text longer than the one saved/);
  });
});
