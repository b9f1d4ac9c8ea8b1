// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src-main/common/types';
import { MessageEditing } from '../../../src-renderer/lib/message-editing.svelte';

const message = (id: string, role: Message['role']): Message =>
  ({ id, role, conversationId: 'c', parentId: null, content: id, status: 'complete', createdAt: 0 }) as Message;

describe('which message is being edited', () => {
  it('opens one editor at a time; closing another message’s editor leaves it open', () => {
    const editing = new MessageEditing();
    expect(editing.messageId).toBeNull();
    editing.open('a');
    editing.open('b');
    expect(editing.messageId).toBe('b');
    editing.close('a');
    expect(editing.messageId).toBe('b');
    editing.close('b');
    expect(editing.messageId).toBeNull();
  });

  it('opens the last message the user wrote, not while a reply is written, and not without one', () => {
    const editing = new MessageEditing();
    const shown = [message('u1', 'user'), message('a1', 'assistant'), message('u2', 'user'), message('a2', 'assistant')];
    expect(editing.editLast(shown, true)).toBe(false);
    expect(editing.messageId).toBeNull();
    expect(editing.editLast(shown, false)).toBe(true);
    expect(editing.messageId).toBe('u2');
    const none = new MessageEditing();
    expect(none.editLast([message('a0', 'assistant')], false)).toBe(false);
    expect(none.editLast([], false)).toBe(false);
    expect(none.messageId).toBeNull();
  });
});
