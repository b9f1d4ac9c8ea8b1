import { describe, expect, it } from 'vitest';
import { ReplyWriter } from '../../../../src-main/node/store/reply-writer';
import { manualClock, openTestStore } from './store-fixtures';

function streamingReply() {
  const clock = manualClock();
  const store = openTestStore();
  const { id } = store.conversations.createConversation();
  const reply = store.conversations.appendMessage({ conversationId: id, parentId: null, role: 'assistant', content: '', status: 'streaming' });
  const committed = () => store.conversations.getMessage(reply.id)?.content;
  return { store, clock, reply, committed };
}

describe('ReplyWriter', () => {
  it('commits every maxTokens deltas, and acknowledges only what is committed', () => {
    const { store, reply, committed } = streamingReply();
    const writer = new ReplyWriter(store.conversations, reply.id, { maxTokens: 3, maxDelayMs: 1e9 });

    expect(['a', 'b'].map((t) => writer.push(t))).toEqual([false, false]);
    expect([committed(), writer.committedLength]).toEqual(['', 0]);
    expect(writer.push('c')).toBe(true);
    expect([committed(), writer.committedLength, writer.commits]).toEqual(['abc', 3, 1]);
  });

  it('commits when the oldest waiting delta is maxDelayMs old, or maxChars are waiting', () => {
    const { store, clock, reply, committed } = streamingReply();
    const writer = new ReplyWriter(store.conversations, reply.id, { maxTokens: 100, maxDelayMs: 100, maxChars: 10, now: clock.now });

    writer.push('x');
    clock.advance(99);
    expect(writer.push('y')).toBe(false);
    clock.advance(1);
    expect(writer.push('z')).toBe(true);
    expect(committed()).toBe('xyz');
    expect(writer.push('0123456789')).toBe(true);
    expect(committed()).toBe('xyz0123456789');
  });

  it('flushes the rest at the end, and does nothing when nothing waits', () => {
    const { store, reply, committed } = streamingReply();
    const writer = new ReplyWriter(store.conversations, reply.id, { maxTokens: 16 });
    writer.push('tail');
    expect(writer.flush()).toBe(true);
    expect(writer.flush()).toBe(false);
    expect(writer.push('')).toBe(false);
    expect(committed()).toBe('tail');
  });
});
