import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH } from '../../src-main/common/schemas';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// Issue 12: a 10 MB paste used to disconnect the window (the socket closed on the oversized frame), cut the reply
// streaming in another conversation and lose the draft. Now the composer refuses it in words, keeps it in the box,
// saves what can be saved of it, and nothing else is disturbed.

/**
 * A reply long and slow enough (400 deltas, 50 ms apart: ~20 s) to be streaming through the paste, which takes
 * Chromium itself several seconds for 10 MB.
 */
const LONG_REPLY = Array.from({ length: 400 }, (_, i) => `w${String(i).padStart(3, '0')} `).join('');
const PASTE = 'All work and no play makes Jack a dull boy. '.repeat(Math.ceil(10_000_000 / 44)).slice(0, 10_000_000);

describe('a 10 MB paste', () => {
  const s = useScriptedSession({ reply: LONG_REPLY, deltaChars: 5, deltaDelayMs: 50 });

  /** The reply of the first conversation, as the app stored it. */
  const storedReply = (conversationId: string): { status: string; content: string } | undefined => {
    const messages = s.app.host.app.store.conversations.listMessages(conversationId);
    return messages.find((message) => message.role === 'assistant');
  };

  it('while another reply streams: refused in words, kept in the box, the window connected, the reply whole, and after a reload the saved part with a note', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.send('Tell me a long story');
    await chat.replies.first().and(s.page.locator('[data-status="streaming"]')).waitFor();
    const streamingId = s.app.host.app.store.conversations.listConversations()[0]!.id;

    // Paste into the new chat while that reply streams.
    await chat.newChat();
    await chat.messageBox.focus();
    await s.page.keyboard.insertText(PASTE);

    const note = chat.alerts.filter({ hasText: /^Too long to send/ });
    await note.waitFor();
    expect(await note.textContent()).toBe(
      'Too long to send: 10,000,000 characters, and a message can have at most 1,000,000 (9,000,000 too many). ' +
        'It stays here, but only its first 1,000,000 characters are saved as a draft.',
    );
    expect(await chat.messageBox.evaluate((box) => (box as HTMLTextAreaElement).value.length)).toBe(PASTE.length);
    expect(await chat.sendButton.isDisabled()).toBe(true);
    await chat.messageBox.press('Enter'); // Enter does not send it either
    expect(s.engine.requests).toHaveLength(1);
    // Still connected, and the other conversation's reply still streaming through all this.
    expect(storedReply(streamingId)?.status).toBe('streaming');
    expect(await chat.alerts.filter({ hasText: 'Disconnected' }).count()).toBe(0);

    // The reply ends whole.
    await expect.poll(() => storedReply(streamingId), { timeout: 30_000 }).toEqual(
      expect.objectContaining({ status: 'complete', content: LONG_REPLY }),
    );
    // What could be kept of the paste is saved as the new chat's draft (the window saves a moment after a change).
    await expect
      .poll(() => s.app.host.app.store.drafts.get(null)?.fullLength, { timeout: 10_000 })
      .toBe(PASTE.length);

    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.messageBox.evaluate((box) => (box as HTMLTextAreaElement).value.length)).toBe(MAX_MESSAGE_LENGTH);
    expect(await chat.messageBox.inputValue()).toBe(PASTE.slice(0, MAX_MESSAGE_LENGTH));
    expect(
      await chat.alerts.filter({ hasText: /^Only the first/ }).textContent(),
    ).toBe('Only the first 1,000,000 characters of this draft were saved; it had 10,000,000.');
    expect(await chat.sendButton.isEnabled()).toBe(true); // what is left fits in a message

    // The conversation whose reply streamed shows it whole.
    await chat.openConversation('Tell me a long story');
    await chat.replies.first().and(s.page.locator('[data-status="complete"]')).waitFor();
    expect((await chat.lastReplyText()).trim()).toBe(LONG_REPLY.trim());
    expect(s.errors).toEqual([]);
  });

  it('keeps a draft per conversation and one for the new chat, across a reload', async () => {
    s.app.host.app.store.conversations.createConversation({ title: 'Apples' });
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.messageBox.fill('A thought for a new chat');
    await chat.openConversation('Apples');
    await expect.poll(() => chat.messageBox.inputValue()).toBe('');
    await chat.messageBox.fill('More about apples');
    await chat.newChat();
    await expect.poll(() => chat.messageBox.inputValue()).toBe('A thought for a new chat');

    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.messageBox.inputValue()).toBe('A thought for a new chat');
    await chat.openConversation('Apples');
    await expect.poll(() => chat.messageBox.inputValue()).toBe('More about apples');
    expect(await chat.alerts.filter({ hasText: /\S/ }).count()).toBe(0); // nothing to say: they fit and were saved
    expect(s.errors).toEqual([]);
  });
});
