// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { ChatState } from '../../../../src-renderer/lib/chat.svelte';
import { useAppSession } from './state-harness';

// Which model answers the open conversation (issue 15), as the window tracks it: the app's default for a new chat,
// a pick for the new chat before its first message, and each conversation's own engine after.

describe('ChatState: the engine of the open conversation', () => {
  const session = useAppSession();

  it('a new chat follows the default until one is picked; a conversation keeps its own and can be moved', async () => {
    const { app } = session.harness;
    // Added straight through the service: saving a server calls nothing on the network.
    const server = app.remotes.save({
      name: 'Lab',
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'big',
      contextLength: 8192,
      contextReported: false,
    });
    const chat = new ChatState(session.harness.client);
    await chat.start();
    expect(chat.currentEngine).toBeNull();

    await chat.settings.update({ defaultEngine: server.id });
    expect(chat.currentEngine).toBe(server.id);
    // Picked for this new chat only: its first message creates the conversation on the model on this computer.
    await chat.chooseEngine(null);
    expect(chat.currentEngine).toBeNull();
    expect(await chat.send('Hello')).toBe(true);
    expect(chat.selected?.engine).toBeNull();
    expect(chat.messages.at(-1)).toMatchObject({ content: 'You said: Hello', stats: { model: 'scripted.gguf' } });

    await chat.chooseEngine(server.id);
    expect(chat.selected?.engine).toBe(server.id);
    expect(chat.currentEngine).toBe(server.id);
    expect(app.store.conversations.getConversation(chat.selectedId ?? '')?.engine).toBe(server.id);

    chat.newChat();
    expect(chat.currentEngine).toBe(server.id); // the default again
    chat.dispose();
  });

  it('takes the local API status the app pushes', async () => {
    const chat = new ChatState(session.harness.client);
    await chat.start();
    await chat.localApi.load();
    expect(chat.localApi.status).toMatchObject({ state: 'off', url: null, key: null, requestsServed: 0 });
    session.harness.app.push({
      type: 'onApiStatus',
      status: { state: 'failed', url: null, key: 'phd-x', requestsServed: 0, lastError: { message: 'Port in use', at: 1 } },
    });
    await expect.poll(() => chat.localApi.status?.state).toBe('failed');
    expect(chat.localApi.status?.lastError?.message).toBe('Port in use');
    chat.dispose();
  });
});
