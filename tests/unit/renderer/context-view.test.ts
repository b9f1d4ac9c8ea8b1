import { describe, expect, it } from 'vitest';
import type { Message, ReplyStats } from '../../../src-main/common/types';
import { contextView } from '../../../src-renderer/lib/context-view';

let next = 0;
function message(role: Message['role'], stats: Partial<ReplyStats> | null = null): Message {
  next++;
  return {
    id: `m${next}`,
    conversationId: 'c',
    parentId: null,
    role,
    content: `text ${next}`,
    status: 'complete',
    createdAt: next,
    stats: stats === null ? null : ({ stopReason: 'eos', ...stats } as ReplyStats),
    error: null,
  };
}

describe('contextView', () => {
  it('sees everything when no reply says otherwise', () => {
    expect(contextView([message('user'), message('assistant')], null)).toEqual({ firstInView: 0, dropped: 0 });
  });

  it("counts the newest reply's view back from the message it answers", () => {
    // u a u a u a(in view: 3 = u a u, counting back from its user message; 2 dropped)
    const messages = [
      message('user'),
      message('assistant', { messagesInView: 1, messagesDropped: 0 }),
      message('user'),
      message('assistant', { messagesInView: 3, messagesDropped: 0 }),
      message('user'),
      message('assistant', { messagesInView: 3, messagesDropped: 2 }),
    ];
    expect(contextView(messages, null)).toEqual({ firstInView: 2, dropped: 2 });
  });

  it('prefers the live figures of the reply streaming now, and skips replies without figures', () => {
    const streaming = message('assistant');
    const messages = [
      message('user'),
      message('assistant', { messagesInView: 1, messagesDropped: 0 }),
      message('user'),
      message('assistant'), // an old row without figures
      message('user'),
      streaming,
    ];
    expect(contextView(messages, null)).toEqual({ firstInView: 0, dropped: 0 });
    expect(contextView(messages, { messageId: streaming.id, messagesInView: 1, messagesDropped: 4 })).toEqual({
      firstInView: 4,
      dropped: 4,
    });
  });

  it('puts the boundary at the top when it lies in older pages not loaded yet', () => {
    const messages = [message('user'), message('assistant', { messagesInView: 5, messagesDropped: 10 })];
    expect(contextView(messages, null)).toEqual({ firstInView: 0, dropped: 10 });
  });

  it('falls back on what the next prompt would leave out when no reply says (an imported conversation)', () => {
    const messages = [message('user'), message('assistant'), message('user'), message('assistant'), message('user'), message('assistant')];
    const last = messages.at(-1)!.id;
    // The next prompt sees the last 2 messages (and the draft): the first 4 are out of view.
    expect(contextView(messages, null, { messagesInView: 2, messagesDropped: 4, afterMessageId: last })).toEqual({
      firstInView: 4,
      dropped: 4,
    });
    expect(contextView(messages, null, { messagesInView: 6, messagesDropped: 0, afterMessageId: last })).toEqual({
      firstInView: 0,
      dropped: 0,
    });
    // Counted before the last message shown (a reply started since): not used.
    expect(contextView(messages, null, { messagesInView: 2, messagesDropped: 4, afterMessageId: messages[3]!.id })).toEqual({
      firstInView: 0,
      dropped: 0,
    });
    // A reply that knows wins.
    const known = [...messages, message('user'), message('assistant', { messagesInView: 8, messagesDropped: 0 })];
    expect(contextView(known, null, { messagesInView: 2, messagesDropped: 6, afterMessageId: known.at(-1)!.id })).toEqual({
      firstInView: 0,
      dropped: 0,
    });
  });
});
