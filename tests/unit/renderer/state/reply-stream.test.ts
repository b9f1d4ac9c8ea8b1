// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../../src-main/node/engine/port';
import { ReplyStream, type ReplyStarted } from '../../../../src-renderer/lib/reply-stream.svelte';
import { useAppSession } from './state-harness';

// One reply's stream on its own (as the quick prompt uses it), against the real app over the in-memory pair.

describe('ReplyStream', () => {
  const session = useAppSession({ deltaChars: 3, deltaDelayMs: 2 });

  async function newConversation(): Promise<string> {
    return (await session.harness.client.call('conversations.create', {})).id;
  }

  it('streams a reply into its text and resolves with the stored message; one reply at a time', async () => {
    const { client } = session.harness;
    const conversationId = await newConversation();
    session.engine.queueReply('A reply that arrives in small pieces.');
    const replies = new ReplyStream();
    const reply = replies.begin(conversationId);
    expect(reply).not.toBeNull();
    expect(replies.streaming).toBe(true);
    expect(replies.begin()).toBeNull();
    const started: ReplyStarted[] = [];
    const final = await replies.stream(
      reply!,
      (options) => client.call('chat.send', { conversationId, text: 'Hello' }, options),
      { started: (_reply, event) => started.push(event) },
    );
    expect(reply!.text).toBe('A reply that arrives in small pieces.');
    expect(final).toMatchObject({ status: 'complete', content: 'A reply that arrives in small pieces.' });
    expect(started).toHaveLength(1);
    expect(started[0]?.userMessage.content).toBe('Hello');
    expect(reply!.messageId).toBe(final.id);
    replies.end(reply!);
    expect(replies.streaming).toBe(false);
    expect(replies.begin()).not.toBeNull();
  });

  it('Stop ends the reply with the text so far kept, in the window and in the store', async () => {
    const { client } = session.harness;
    const conversationId = await newConversation();
    session.engine.queueReply('word '.repeat(400));
    const replies = new ReplyStream();
    const reply = replies.begin(conversationId)!;
    const done = replies.stream(reply, (options) => client.call('chat.send', { conversationId, text: 'Go on' }, options), {
      started: () => setTimeout(() => replies.stop(), 20),
    });
    const final = await done;
    expect(final.status).toBe('stopped');
    expect(final.content.length).toBeGreaterThan(0);
    expect(final.content.length).toBeLessThan(2000);
    expect(reply.text).toBe(final.content);
    const stored = await client.call('conversations.get', { id: conversationId });
    expect(stored.messages.at(-1)).toMatchObject({ status: 'stopped', content: final.content });
  });

  it('a reply that fails mid-way rejects, with every piece that did arrive applied', async () => {
    const { client } = session.harness;
    const conversationId = await newConversation();
    session.engine.queueReply({ text: 'Half of a ', error: new EngineError('GENERATION_FAILED', 'the model broke') });
    const replies = new ReplyStream();
    const reply = replies.begin(conversationId)!;
    await expect(
      replies.stream(reply, (options) => client.call('chat.send', { conversationId, text: 'Break' }, options)),
    ).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    expect(reply.text).toBe('Half of a ');
    replies.end(reply);
    expect(replies.reply).toBeNull();
  });
});
