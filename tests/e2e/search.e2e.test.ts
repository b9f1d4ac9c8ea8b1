import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// Full-text search from the sidebar (SQLite FTS5 behind `search.query`), and jumping to a hit (`search.reveal`).
describe('searching conversations', () => {
  const s = useScriptedSession();

  it('finds a message on another branch, opens that branch and shows the message marked', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Tell me about whales');
    await chat.editAndResend(chat.message('Tell me about whales'), 'Tell me about dolphins');
    await chat.message('You said: Tell me about dolphins').waitFor();
    await chat.waitForLastReplyStatus('complete');
    await chat.newChat();
    await chat.sendAndWaitForReply('Something else <b>entirely</b>');

    // Prefix and case folding: "WHAL" finds "whales", on the branch that is no longer shown.
    await chat.search('WHAL');
    await chat.messageHits.first().waitFor();
    const hit = chat.messageHits.filter({ hasText: 'Tell me about whales' }).filter({ hasText: 'You ·' });
    expect(await hit.count()).toBe(1);
    expect(await hit.locator('mark').allTextContents()).toEqual(['whales']);
    // The title hit (the conversation is named after its first message) is listed too.
    expect(await chat.titleHits.allTextContents()).toEqual([expect.stringContaining('Tell me about whales')]);

    await hit.click();
    const found = chat.message('Tell me about whales');
    await found.and(s.page.locator('[data-highlighted="true"]')).waitFor();
    expect(await chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: 'Tell me about whales' },
      { role: 'assistant', status: 'complete', text: 'You said: Tell me about whales' },
    ]);
    expect(await chat.isFocused(found)).toBe(true);
    expect(await s.page.getByRole('heading', { level: 1 }).textContent()).toBe('Tell me about whales');
    expect(await chat.versions(found).textContent()).toContain('1 / 2');
    expect(s.errors).toEqual([]);
  });

  it('shows snippets as text, filters to the open conversation, and says when nothing matches', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('The <b>harbour</b> at dawn');
    await chat.newChat();
    await chat.sendAndWaitForReply('A harbour in winter');

    await chat.search('harbour');
    await expect.poll(() => chat.messageHits.count()).toBe(4);
    expect(await chat.searchResults.locator('b').count()).toBe(0);
    expect(await chat.messageHits.filter({ hasText: 'The <b>harbour</b> at dawn' }).count()).toBeGreaterThan(0);

    await chat.searchResults.page().getByRole('checkbox', { name: 'Only this conversation' }).check();
    await expect.poll(() => chat.messageHits.count()).toBe(2);
    for (const text of await chat.messageHits.allTextContents()) expect(text).toContain('winter');
    expect(await chat.titleHits.count()).toBe(0);

    await chat.search('zeppelin');
    await chat.searchResults.getByText('No matches for “zeppelin”.').waitFor();
    // Escape clears the search and the list is back.
    await chat.searchBox.press('Escape');
    await chat.searchResults.waitFor({ state: 'detached' });
    expect(await chat.conversations.count()).toBe(2);
    expect(s.errors).toEqual([]);
  });
});
