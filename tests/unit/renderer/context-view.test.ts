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
});
