import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// Edit-and-resend, regenerate, the "‹ 2/3 ›" switcher and "Delete from here", on the message tree stored in SQLite.
// The scripted engine answers "You said: <message>" unless a reply is queued, so every version is recognisable.
describe('versions of messages', () => {
  const s = useScriptedSession({ deltaChars: 4, deltaDelayMs: 1 });

  const texts = async (chat: ChatPage): Promise<string[]> => (await chat.messages()).map((m) => m.text);

  it('edits and resends a message as a new version, flips between versions, and keeps them after a reload', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Hello');
    await chat.sendAndWaitForReply('How are you?');

    await chat.editAndResend(chat.message('How are you?'), 'How old are you?');
    await chat.replies.filter({ hasText: 'You said: How old are you?' }).waitFor();
    await chat.waitForLastReplyStatus('complete');
    // The model saw the edited branch only: the old question is not in its prompt.
    expect(s.engine.requests.at(-1)?.turns).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'You said: Hello' },
      { role: 'user', content: 'How old are you?' },
    ]);

    const edited = chat.message('How old are you?');
    await chat.versions(edited).getByText('2 / 2').waitFor();
    expect(await texts(chat)).toEqual(['Hello', 'You said: Hello', 'How old are you?', 'You said: How old are you?']);

    await chat.versions(edited).getByRole('button', { name: 'Previous version' }).click();
    await chat.message('How are you?').waitFor();
    expect(await texts(chat)).toEqual(['Hello', 'You said: Hello', 'How are you?', 'You said: How are you?']);
    const original = chat.message('How are you?');
    expect(await chat.versions(original).textContent()).toContain('1 / 2');
    expect(await chat.versions(original).getByRole('button', { name: 'Previous version' }).isDisabled()).toBe(true);

    // The choice is stored: a reload shows the same version, and the switcher still flips.
    await s.page.reload();
    await chat.waitUntilLoaded();
    await chat.message('How are you?').waitFor();
    expect(await texts(chat)).toEqual(['Hello', 'You said: Hello', 'How are you?', 'You said: How are you?']);
    await chat.versions(chat.message('How are you?')).getByRole('button', { name: 'Next version' }).click();
    await chat.message('How old are you?').waitFor();
    expect(await chat.versions(chat.message('How old are you?')).textContent()).toContain('2 / 2');
    // The first message has no alternative: no switcher.
    expect(await chat.versions(chat.message('Hello')).count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('cancels an edit with Escape, leaving the message as it was', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Keep me');
    const message = chat.message('Keep me');
    await message.getByRole('button', { name: 'Edit', exact: true }).click();
    const editor = chat.editor.getByRole('textbox', { name: 'Edit message' });
    expect(await chat.isFocused(editor)).toBe(true);
    expect(await editor.inputValue()).toBe('Keep me');
    await editor.fill('Changed my mind');
    await editor.press('Escape');
    expect(await texts(chat)).toEqual(['Keep me', 'You said: Keep me']);
    expect(s.engine.requests).toHaveLength(1);
  });

  it('regenerates a reply as a new version and deletes a version from there on', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Tell me a fact');

    s.engine.queueReply('Octopuses have three hearts.');
    await chat.replies.last().getByRole('button', { name: 'Regenerate' }).click();
    await chat.message('Octopuses have three hearts.').waitFor();
    await chat.waitForLastReplyStatus('complete');
    expect(await texts(chat)).toEqual(['Tell me a fact', 'Octopuses have three hearts.']);
    // The same question was asked again; the old reply is not part of the prompt.
    expect(s.engine.requests.at(-1)?.turns).toEqual([{ role: 'user', content: 'Tell me a fact' }]);
    const second = chat.message('Octopuses have three hearts.');
    await chat.versions(second).getByText('2 / 2').waitFor();

    // By keyboard: the switcher is replaced by the other version's, and focus lands on its usable button.
    await chat.versions(second).getByRole('button', { name: 'Previous version' }).focus();
    await s.page.keyboard.press('Enter');
    await chat.message('You said: Tell me a fact').waitFor();
    expect(await texts(chat)).toEqual(['Tell me a fact', 'You said: Tell me a fact']);
    const back = chat.versions(chat.message('You said: Tell me a fact')).getByRole('button', { name: 'Next version' });
    await expect.poll(() => chat.isFocused(back)).toBe(true);

    // Delete from here asks first; Cancel keeps everything.
    const first = chat.message('You said: Tell me a fact');
    await first.getByRole('button', { name: 'Delete from here' }).click();
    const confirm = chat.dialog('Delete from here?');
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await chat.versions(first).textContent()).toContain('1 / 2');

    await first.getByRole('button', { name: 'Delete from here' }).click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    // The other version is shown, and with a single version left there is no switcher.
    await chat.message('Octopuses have three hearts.').waitFor();
    expect(await texts(chat)).toEqual(['Tell me a fact', 'Octopuses have three hearts.']);
    expect(await chat.versions(chat.message('Octopuses have three hearts.')).count()).toBe(0);
    await s.page.reload();
    await chat.waitUntilLoaded();
    await chat.message('Octopuses have three hearts.').waitFor();
    expect(await texts(chat)).toEqual(['Tell me a fact', 'Octopuses have three hearts.']);
    expect(s.errors).toEqual([]);
  });
});
