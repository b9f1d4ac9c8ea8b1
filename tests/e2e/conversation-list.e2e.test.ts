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

  it('deletes a conversation only after confirmation, and closes its options with Escape', async () => {
    const chat = await threeConversations();
    const options = chat.conversationList.getByRole('button', { name: 'Options for Cherries', exact: true });
    await options.click();
    expect(await options.getAttribute('aria-expanded')).toBe('true');
    await chat.conversationList.getByRole('group', { name: 'Options for Cherries' }).getByRole('button', { name: 'Pin' }).focus();
    await s.page.keyboard.press('Escape');
    expect(await options.getAttribute('aria-expanded')).toBe('false');
    expect(await chat.isFocused(options)).toBe(true);

    // Escape in the confirmation keeps the conversation.
    await chat.conversationAction('Cherries', 'Delete');
    const confirm = chat.dialog('Delete conversation?');
    await confirm.getByText('“Cherries” and all its messages will be deleted').waitFor();
    await s.page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await chat.conversations.allTextContents()).toEqual(['Cherries', 'Bananas', 'Apples']);

    await chat.conversationAction('Cherries', 'Delete');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Bananas', 'Apples']);
    // The open conversation was the deleted one: the window is back at a new chat.
    await s.page.getByRole('heading', { name: 'New chat', level: 2 }).waitFor();
    await s.page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Bananas', 'Apples']);
    expect(s.errors).toEqual([]);
  });
});
