import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../../src-main/node/store/open-store';

// `branchVersion`: a one-row token the chat service compares instead of reading a whole branch while the user types.

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phi-branch-version-'));
  store = openStore(path.join(dir, 'chat.sqlite'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ConversationStore.branchVersion', () => {
  it('changes with every change of the current branch, and not without one', async () => {
    const { conversations, tree } = store;
    const conversation = conversations.createConversation();
    const version = (): string | null => conversations.branchVersion(conversation.id);
    // Times are in milliseconds: real changes of a branch are further apart than the same millisecond.
    const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 3));
    const versions: Array<string | null> = [version()];
    expect(version()).toBe(versions[0]); // nothing changed
    const step = async (change: () => unknown): Promise<string | null> => {
      await tick();
      change();
      const next = version();
      expect(next).not.toBe(versions.at(-1));
      versions.push(next);
      return next;
    };
    let question = '';
    let answer = '';
    await step(() => (question = conversations.appendMessage({ conversationId: conversation.id, parentId: null, role: 'user', content: 'Q', status: 'complete' }).id));
    await step(() => (answer = conversations.appendMessage({ conversationId: conversation.id, parentId: question, role: 'assistant', content: '', status: 'streaming' }).id));
    await step(() => conversations.finishMessage(answer, { status: 'complete' }));
    let other = '';
    await step(() => (other = conversations.createSibling(question, { content: 'Q2', status: 'complete' }).id));
    await step(() => tree.switchBranch(answer));
    await step(() => tree.switchBranch(other));
    await step(() => tree.deleteSubtree(other));
    expect(conversations.branchVersion('no-such-conversation')).toBeNull();
  });
});
