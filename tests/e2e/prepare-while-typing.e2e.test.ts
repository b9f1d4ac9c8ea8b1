import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../src-main/node/engine/port';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';
import { DRAFT_INTERVAL_MS } from '../../src-renderer/lib/draft-preparer';

// "Prepare while typing": what the user types in the composer, and the conversation they open, reach the engine
// ahead of Send (`chat.prepare` → `engine.prefill`), unless they turn it off in Settings. The scripted engine records
// every prefill request.
describe('prepare while typing', () => {
  const s = useScriptedSession();

  /** The last user turn of each prefill so far, with the first user turn (the conversation's topic here). */
  const prefilled = (): Array<{ topic: string | undefined; draft: string | undefined }> =>
    s.engine.prefills.map((request: GenerateRequest) => ({
      topic: request.turns[0]?.content,
      draft: request.turns.at(-1)?.content,
    }));

  it('sends what is typed in an open conversation to the engine, a few times a second at most', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Apples');
    // After the reply the app prepares the follow-up itself: the conversation, then an empty message.
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: '' });
    const before = s.engine.prefills.length;

    const text = 'Which apple keeps longest?';
    const typingStarted = Date.now();
    await chat.messageBox.pressSequentially(text, { delay: 25 });
    const typingMs = Date.now() - typingStarted;
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: text });
    const request = s.engine.prefills.at(-1);
    expect(request?.turns).toEqual([
      { role: 'user', content: 'Apples' },
      { role: 'assistant', content: 'You said: Apples' },
      { role: 'user', content: text },
    ]);
    const whileTyping = s.engine.prefills.slice(before);
    // Throttled: at most one per interval while the keys came (however slowly a loaded machine typed them), plus the
    // first and the one after the pause — not one per key.
    expect(whileTyping.length).toBeLessThanOrEqual(Math.floor(typingMs / DRAFT_INTERVAL_MS) + 2);
    expect(whileTyping.every((r) => text.startsWith(r.turns.at(-1)?.content ?? '-'))).toBe(true);
    // Drafts sent while typing are marked so; once typing pauses, the whole text goes as it is.
    const flags = s.engine.prefillOptions.slice(before).map((options) => options.stillTyping);
    expect(flags.slice(0, -1).every((stillTyping) => stillTyping === true)).toBe(true);
    await expect.poll(() => s.engine.prefillOptions.at(-1)?.stillTyping).toBe(false);
    expect(s.engine.prefills.at(-1)?.turns.at(-1)?.content).toBe(text);

    // Sending it: the reply is to exactly the prefilled prompt.
    await chat.sendButton.click();
    await chat.message(`You said: ${text}`).waitFor();
    expect(s.engine.requests.at(-1)).toEqual(request);
    expect(s.errors).toEqual([]);
  });

  it('prepares a conversation as soon as it is opened from the list, with its draft', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Apples');
    await chat.newChat();
    await chat.sendAndWaitForReply('Bananas');
    await expect.poll(() => chat.conversations.allTextContents()).toEqual(['Bananas', 'Apples']);
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Bananas', draft: '' });

    await chat.openConversation('Apples');
    await chat.message('You said: Apples').waitFor();
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: '' });
    expect(s.engine.prefills.at(-1)?.turns).toEqual([
      { role: 'user', content: 'Apples' },
      { role: 'assistant', content: 'You said: Apples' },
      { role: 'user', content: '' },
    ]);

    // A half-written message stays with its conversation (its draft): another one opens with its own, here none,
    // and coming back brings the draft back, prepared again.
    await chat.messageBox.fill('Which one is sweeter?');
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: 'Which one is sweeter?' });
    await chat.openConversation('Bananas');
    await chat.message('You said: Bananas').waitFor();
    expect(await chat.messageBox.inputValue()).toBe('');
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Bananas', draft: '' });
    await chat.openConversation('Apples');
    await expect.poll(() => chat.messageBox.inputValue()).toBe('Which one is sweeter?');
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: 'Which one is sweeter?' });
    expect(s.errors).toEqual([]);
  });

  it('sends nothing while typing once "Prepare replies while I type" is unticked, and again once ticked', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Apples');
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: '' });

    const setPreparing = async (on: boolean): Promise<void> => {
      await s.page.getByRole('button', { name: 'Settings', exact: true }).click();
      const dialog = chat.dialog('Settings');
      await dialog.waitFor();
      const box = dialog.getByRole('checkbox', { name: 'Prepare replies while I type' });
      expect(await box.isChecked()).toBe(!on); // the stored value is shown
      await box.setChecked(on);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
    };

    await setPreparing(false);
    const before = s.engine.prefills.length;
    await chat.messageBox.pressSequentially('Not to be prepared', { delay: 20 });
    await s.page.waitForTimeout(1_000); // three times the interval at which drafts are sent
    expect(s.engine.prefills.length).toBe(before);
    // Opening a conversation prepares nothing either.
    await chat.newChat();
    await chat.openConversation('Apples');
    await chat.message('You said: Apples').waitFor();
    await s.page.waitForTimeout(500);
    expect(s.engine.prefills.length).toBe(before);

    await setPreparing(true);
    await chat.messageBox.fill('Now prepare this');
    await expect.poll(() => prefilled().at(-1)).toEqual({ topic: 'Apples', draft: 'Now prepare this' });
    expect(s.errors).toEqual([]);
  });
});
