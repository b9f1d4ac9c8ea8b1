import { describe, expect, it } from 'vitest';
import { ConversationService, LIST_PAGE_SIZE } from '../../../../src-main/node/services/conversation-service';
import { openTestStore } from '../store/store-fixtures';

describe('the conversation list', () => {
  it('is read a page at a time with turns of the event loop between, every conversation once, newest first', async () => {
    const store = openTestStore();
    const count = LIST_PAGE_SIZE * 2 + 7;
    const made = [];
    for (let index = 0; index < count; index++) made.push(store.conversations.createConversation({ title: `Conversation ${index}` }));
    const service = new ConversationService(store);
    let turns = 0;
    let counting = true;
    const tick = (): void => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const listed = await service.list({});
    counting = false;
    expect(listed.map((conversation) => conversation.id).sort()).toEqual(made.map((conversation) => conversation.id).sort());
    expect(new Set(listed.map((conversation) => conversation.id)).size).toBe(count);
    const times = listed.map((conversation) => conversation.updatedAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(turns).toBeGreaterThanOrEqual(2); // the host answered others between the pages
    service.dispose();
    store.close();
  });
});
