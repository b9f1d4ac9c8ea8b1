import { describe, expect, it } from 'vitest';
import { TEXT_LIMITS } from '../../../../src-main/node/store/input-limits';
import { expectStoreError, openTestStore } from './store-fixtures';

describe('size limits', () => {
  it('refuses a title, system prompt or model name over its limit, with a message that names the limit', () => {
    const store = openTestStore();
    const { id } = store.conversations.createConversation();
    const long = (n: number) => 'x'.repeat(n + 1);

    expectStoreError(() => store.conversations.createConversation({ title: long(TEXT_LIMITS.title) }), 'TOO_LARGE', /limited to 200 characters/);
    expectStoreError(() => store.conversations.renameConversation(id, long(TEXT_LIMITS.title)), 'TOO_LARGE');
    expectStoreError(() => store.conversations.updateConversation(id, { systemPrompt: long(TEXT_LIMITS.systemPrompt) }), 'TOO_LARGE', /20,000/);
    expectStoreError(() => store.conversations.updateConversation(id, { model: long(TEXT_LIMITS.model) }), 'TOO_LARGE');
    expect(store.conversations.renameConversation(id, 'y'.repeat(TEXT_LIMITS.title)).title).toHaveLength(200);
    expect(store.conversations.updateConversation(id, { systemPrompt: 's'.repeat(TEXT_LIMITS.systemPrompt) }).systemPrompt).toHaveLength(20_000);
  });

  it('refuses a message over 1,000,000 characters, and stops a streamed reply at the limit keeping its text', () => {
    const store = openTestStore();
    const { id: conversationId } = store.conversations.createConversation();
    expectStoreError(
      () => store.conversations.appendMessage({ conversationId, parentId: null, role: 'user', content: 'x'.repeat(TEXT_LIMITS.message + 1), status: 'complete' }),
      'TOO_LARGE',
      /1,000,000/,
    );
    expect(store.conversations.listMessages(conversationId)).toEqual([]);

    const reply = store.conversations.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
    const chunk = 'y'.repeat(250_000);
    for (let i = 0; i < 4; i++) store.conversations.appendToMessage(reply.id, chunk);
    expectStoreError(() => store.conversations.appendToMessage(reply.id, 'z'), 'TOO_LARGE');

    const finished = store.conversations.finishMessage(reply.id, { status: 'error', error: 'e'.repeat(20_000) });
    expect(finished.content).toHaveLength(TEXT_LIMITS.message);
    expect(finished.error).toHaveLength(TEXT_LIMITS.error);
  });
});
