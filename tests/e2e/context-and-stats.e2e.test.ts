import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// What the model saw (the context window) and the figures of each reply, with the scripted engine: it fits requests
// into its window like the real one (tokens estimated as one per four characters) and reports `onContext`.
/** A message of about 40 estimated tokens. */
const long = (label: string): string => `${label}: ${'the quick brown fox jumps over the lazy dog '.repeat(3).trim()}`;

const STATS = /^\d+ tokens · \d+\.\d tokens\/s · first token in \d+\.\d+ s · (Finished|Stopped|Reached the length limit)$/;

describe('the context window and reply figures', () => {
  const s = useScriptedSession({ contextSize: 200, replyReserveTokens: 60, deltaChars: 6, deltaDelayMs: 4 });

  const outOfView = (chat: ChatPage) => chat.messageItems.and(s.page.locator('[data-in-view="false"]'));
  const divider = (chat: ChatPage) => chat.page.getByText(/^Earlier messages are outside the model's view \(\d+\)$/);

  it("marks the messages the model no longer sees, live and after a reload", async () => {
    // Tall enough to show every message at once: the list puts only the rows near the view in the page.
    await s.page.setViewportSize({ width: 1100, height: 3000 });
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply(long('one'));
    expect(await divider(chat).count()).toBe(0);

    for (const label of ['two', 'three']) {
      await chat.sendAndWaitForReply(long(label));
    }
    // The engine left the oldest exchanges out of the prompt; the window says so.
    const store = s.app.host.app.store.conversations;
    const [conversation] = store.listConversations();
    const dropped = store.listMessages(conversation!.id).at(-1)?.stats?.messagesDropped ?? 0;
    await divider(chat).waitFor();
    expect(dropped).toBeGreaterThan(0);
    expect(await divider(chat).textContent()).toBe(`Earlier messages are outside the model's view (${dropped})`);
    expect(await outOfView(chat).count()).toBe(dropped);
    // The dimmed ones are the oldest, and each is described as outside the view.
    expect(await chat.messageItems.first().getAttribute('data-in-view')).toBe('false');
    expect(await chat.description(outOfView(chat).first())).toBe("Outside the model's view");
    expect(await chat.messageItems.nth(dropped).getAttribute('data-in-view')).toBeNull();

    await s.page.reload();
    await chat.waitUntilLoaded();
    await divider(chat).waitFor();
    expect(await outOfView(chat).count()).toBe(dropped);

    // While a reply streams, its own figures apply as soon as the app reports them (before the reply ends).
    s.engine.queueReply('x'.repeat(3000));
    await chat.send(long('four'));
    await chat.replies.last().and(s.page.locator('[data-status="streaming"]')).waitFor();
    await expect.poll(async () => outOfView(chat).count()).toBeGreaterThan(dropped);
    expect(await chat.replies.last().getAttribute('data-status')).toBe('streaming');
    await chat.stop();
    await chat.waitForLastReplyStatus('stopped');
    expect(s.errors).toEqual([]);
  });

  it('shows tokens, speed, time to first token and why each reply ended', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Hello');
    const finished = chat.stats(chat.replies.last());
    expect(await finished.textContent()).toMatch(STATS);
    expect(await finished.textContent()).toMatch(/^3 tokens .* · Finished$/); // "You said: Hello" in 6-character pieces

    s.engine.queueReply({ text: 'cut short here', stopReason: 'maxTokens' });
    await chat.sendAndWaitForReply('Go on');
    expect(await chat.stats(chat.replies.last()).textContent()).toMatch(/ · Reached the length limit$/);

    s.engine.queueReply('y'.repeat(2000));
    await chat.send('And on');
    await chat.replies.last().and(s.page.locator('[data-status="streaming"]')).waitFor();
    // No figures while it streams.
    expect(await chat.stats(chat.replies.last()).count()).toBe(0);
    await expect.poll(async () => (await chat.lastReplyText()).length).toBeGreaterThan(12);
    await chat.stop();
    await chat.waitForLastReplyStatus('stopped');
    await expect.poll(() => chat.stats(chat.replies.last()).textContent()).toMatch(/ · Stopped$/);

    // Stored with the message: the same after a reload.
    const before = await chat.stats(chat.replies).allTextContents();
    await s.page.reload();
    await chat.waitUntilLoaded();
    await chat.replies.nth(2).waitFor();
    expect(await chat.stats(chat.replies).allTextContents()).toEqual(before);
    expect(s.errors).toEqual([]);
  });
});
