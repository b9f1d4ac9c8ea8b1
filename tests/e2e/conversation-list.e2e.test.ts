import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// The sidebar's conversation actions, stored in SQLite: pin, archive (and the Archived view), rename, delete.
describe('the conversation list', () => {
  const s = useScriptedSession();

  async function threeConversations(): Promise<ChatPage> {
    const chat = await ChatPage.open(s.page, s.app.url);
    for (const [index, topic] of ['Apples', 'Bananas', 'Cherries'].entries()) {
      if (index > 0) await chat.newChat();
      await chat.sendAndWaitForReply(topic);
    }
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    return chat;
  }

  it('pins a conversation to the top and unpins it, also after a reload', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Apples', 'Pin');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Apples', 'Cherries', 'Bananas']);
    expect(await chat.conversationList.getByRole('listitem').first().getByText('Pinned').count()).toBe(1);

    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Apples', 'Cherries', 'Bananas']);

    await chat.conversationAction('Apples', 'Unpin');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    expect(await chat.conversationList.getByText('Pinned').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('archives a conversation out of the list, shows it in the Archived view, and brings it back', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Bananas', 'Archive');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Apples']);

    await chat.archivedToggle.click();
    expect(await chat.archivedToggle.getAttribute('aria-pressed')).toBe('true');
    await chat.conversationList.getByRole('heading', { name: 'Archived conversations' }).waitFor();
    expect(await chat.conversations.allTextContents()).toEqual(['Bananas']);
    // An archived conversation still opens and reads as before.
    await chat.openConversation('Bananas');
    await chat.message('You said: Bananas').waitFor();
    expect(await s.page.getByRole('heading', { level: 1 }).textContent()).toBe('Bananas');

    await chat.conversationAction('Bananas', 'Unarchive');
    await expect.poll(() => chat.conversations.count()).toBe(0);
    await chat.conversationList.getByText('No archived conversations.').waitFor();
    await chat.archivedToggle.click();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    expect(s.errors).toEqual([]);
  });

  it('renames a conversation in place (Enter saves, Escape cancels)', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Bananas', 'Rename');
    const box = chat.conversationList.getByRole('textbox', { name: 'New title for Bananas' });
    expect(await chat.isFocused(box)).toBe(true);
    await box.fill('Not this');
    await box.press('Escape');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);

    await chat.conversationAction('Bananas', 'Rename');
    await box.fill('Yellow fruit');
    await box.press('Enter');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Yellow fruit', 'Apples']);
    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Yellow fruit', 'Apples']);
    expect(s.errors).toEqual([]);
  });

  it('deletes a conversation at once, with Undo in a toast: undone, it is back, open again, also after a reload', async () => {
    const chat = await threeConversations();
    // Cherries (the last made) is open. Its options menu closes with Escape, focus back on its button.
    const options = chat.conversationOptions('Cherries');
    await options.click();
    expect(await options.getAttribute('aria-expanded')).toBe('true');
    await s.page.keyboard.press('Escape');
    await chat.conversationMenu('Cherries').waitFor({ state: 'detached' });
    expect(await options.getAttribute('aria-expanded')).toBe('false');
    expect(await chat.isFocused(options)).toBe(true);

    await chat.conversationAction('Cherries', 'Delete');
    // No "are you sure?": the toast's Undo is the way back.
    expect(await s.page.getByRole('dialog').count()).toBe(0);
    const toast = chat.deletedToast('Cherries');
    await toast.waitFor();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Bananas', 'Apples']);
    // It was open: the window falls back to a new chat.
    await s.page.getByRole('heading', { name: 'New chat', level: 2 }).waitFor();
    // Search no longer finds it.
    await chat.search('Cherries');
    await chat.searchResults.getByText('No matches for “Cherries”.').waitFor();
    await chat.searchBox.press('Escape');

    await toast.getByRole('button', { name: 'Undo', exact: true }).click();
    await toast.waitFor({ state: 'detached' });
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    await chat.message('You said: Cherries').waitFor();
    expect(await s.page.getByRole('heading', { level: 1 }).textContent()).toBe('Cherries');

    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);
    await chat.openConversation('Cherries');
    await chat.message('You said: Cherries').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('lets the toast of a deletion run out: the conversation is gone, also after a reload', async () => {
    const chat = await threeConversations();
    await chat.conversationAction('Apples', 'Delete');
    const toast = chat.deletedToast('Apples');
    await toast.waitFor();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas']);
    // Nobody touches it: it closes by itself after a few seconds (8).
    await toast.waitFor({ state: 'detached', timeout: 20_000 });
    expect(await chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas']);

    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas']);
    await chat.search('Apples');
    await chat.searchResults.getByText('No matches for “Apples”.').waitFor();
    expect(s.errors).toEqual([]);
  });
});
