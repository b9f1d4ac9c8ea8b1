import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PHI2_GENERATION_DEFAULTS } from '../../src-main/common/schemas';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// The header's context meter (`chat.measure`) with the scripted engine, which counts one token per four characters of
// Phi-2's prompt format (`Instruct: …\nOutput: …`), so every figure can be worked out here: tokens used of the window
// as the user types and after each reply, a message too long for the window, and the messages out of the model's
// view in an imported conversation, whose replies carry no figures of their own.

/** Tokens of a prompt, as the scripted engine estimates them. */
const tokens = (prompt: string): number => Math.ceil(prompt.length / 4);
/** The prompt for the next reply: earlier exchanges, then the draft. */
const prompt = (exchanges: [string, string][], draft: string): string =>
  [...exchanges.map(([user, reply]) => `Instruct: ${user}\nOutput: ${reply}`), `Instruct: ${draft}`, 'Output:'].join('\n');

const CONTEXT = 400;
const RESERVE = 60;
const BUDGET = CONTEXT - RESERVE;

describe('the context meter', () => {
  const s = useScriptedSession({ contextSize: CONTEXT, replyReserveTokens: RESERVE, deltaChars: 6, deltaDelayMs: 4 });
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'phi-desk-e2e-meter-'));
    // Replies of at most 100 tokens: in this small window the meter mentions the room for one only once it is less.
    s.app.host.app.store.settings.updateAppSettings({ defaultGeneration: { ...PHI2_GENERATION_DEFAULTS, maxTokens: 100 } });
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  const meter = (chat: ChatPage) => chat.page.getByRole('meter', { name: 'Context used' });
  const reading = (chat: ChatPage) => meter(chat).getAttribute('aria-valuetext');
  /** The meter with its text and tooltip. */
  const panel = (chat: ChatPage) => meter(chat).locator('xpath=..');
  const divider = (chat: ChatPage) => chat.page.getByText(/^Earlier messages are outside the model's view \(\d+\)$/);

  it('shows the tokens the next prompt takes, growing as the user types and after each reply', async () => {
    const chat = await ChatPage.open(s.page, s.app.url);
    // A new chat: only the prompt's framing for the first message.
    await expect.poll(() => reading(chat)).toBe(`${tokens(prompt([], ''))} / ${CONTEXT} tokens`);
    // The window size is the meter's to say; the status line no longer repeats it.
    expect(await chat.engineStatus.textContent()).toMatch(/· ready$/);
    expect(await panel(chat).getAttribute('title')).toContain(`model's ${CONTEXT}-token context`);

    await chat.messageBox.pressSequentially('Where is', { delay: 20 });
    await expect.poll(() => reading(chat)).toBe(`${tokens(prompt([], 'Where is'))} / ${CONTEXT} tokens`);
    await chat.messageBox.pressSequentially(' the longest river of all?', { delay: 20 });
    const question = 'Where is the longest river of all?';
    await expect.poll(() => reading(chat)).toBe(`${tokens(prompt([], question))} / ${CONTEXT} tokens`);
    expect(await meter(chat).getAttribute('value')).toBe(String(tokens(prompt([], question))));

    // After the reply: the exchange is part of the next prompt (with the empty composer).
    await chat.messageBox.press('Enter');
    await chat.replies.first().and(s.page.locator('[data-status="complete"]')).waitFor();
    const exchanges: [string, string][] = [[question, `You said: ${question}`]];
    await expect.poll(() => reading(chat)).toBe(`${tokens(prompt(exchanges, ''))} / ${CONTEXT} tokens`);
    expect(await panel(chat).getAttribute('data-level')).toBe('ok');

    // Near the point where older messages are left out: the warning level, and the room left for the reply.
    const near = 'word '.repeat(230).trim();
    await chat.messageBox.fill(near);
    const nearTokens = tokens(prompt(exchanges, near));
    expect(nearTokens).toBeGreaterThan(BUDGET * 0.85);
    expect(nearTokens).toBeLessThanOrEqual(BUDGET);
    await expect.poll(() => reading(chat)).toMatch(new RegExp(`^${nearTokens} / ${CONTEXT} tokens · room for a ~\\d+-token reply$`));
    expect(await panel(chat).getAttribute('data-level')).toBe('near');

    // Beyond the window by itself: said in words, with by how much, before it is sent.
    await chat.messageBox.fill('x'.repeat(2000));
    const over = tokens(prompt([], 'x'.repeat(2000))) - BUDGET;
    await expect.poll(() => reading(chat)).toBe(`Message too long by ${over} tokens`);
    expect(await panel(chat).getAttribute('data-level')).toBe('over');
    expect(await panel(chat).getAttribute('title')).toContain(`Shorten it by ${over} tokens`);

    // Another conversation opened: its own figures.
    await chat.messageBox.fill('');
    await chat.newChat();
    await expect.poll(() => reading(chat)).toBe(`${tokens(prompt([], ''))} / ${CONTEXT} tokens`);
    await chat.openConversation(question);
    await expect.poll(() => reading(chat)).toBe(`${tokens(prompt(exchanges, ''))} / ${CONTEXT} tokens`);
    expect(s.errors).toEqual([]);
  });

  it('marks the messages out of the model’s view when an imported conversation without figures is opened', async () => {
    // Twelve exchanges of ~100 characters each way: about 650 tokens, far more than the 340 a prompt may take.
    const messages = [];
    for (let i = 0; i < 24; i++) {
      const role = i % 2 === 0 ? 'user' : 'assistant';
      messages.push({
        id: `m${i}`,
        parentId: i === 0 ? null : `m${i - 1}`,
        role,
        content: `${role === 'user' ? 'Question' : 'Answer'} ${i}: ${'the river runs to the sea '.repeat(4).trim()}`,
        status: 'complete',
        createdAt: 1_700_000_000_000 + i * 1000,
        stats: null, // written elsewhere: no figures of what the model saw
        error: null,
      });
    }
    const file = path.join(folder, 'long.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'phi-desk-export',
        version: 1,
        exportedAt: 1_700_000_100_000,
        conversations: [
          {
            id: 'c1',
            title: 'A long river talk',
            createdAt: 1_700_000_000_000,
            updatedAt: 1_700_000_024_000,
            pinned: false,
            archived: false,
            systemPrompt: null,
            generation: {},
            model: null,
            currentLeafId: 'm23',
            messages,
          },
        ],
      }),
    );

    // Tall enough to show every message at once: the list puts only the rows near the view in the page.
    await s.page.setViewportSize({ width: 1280, height: 4000 });
    const chat = await ChatPage.open(s.page, s.app.url);
    const dialog = await chat.importFiles([file]);
    await dialog.getByRole('status').getByText('Imported 1 conversation (24 messages).').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    await chat.openConversation('A long river talk');
    await divider(chat).waitFor();
    const outOfView = chat.messageItems.and(s.page.locator('[data-in-view="false"]'));
    const dropped = Number(/\((\d+)\)/.exec((await divider(chat).textContent()) ?? '')?.[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped % 2).toBe(0); // whole exchanges
    expect(await outOfView.count()).toBe(dropped);
    expect(await chat.messageItems.first().getAttribute('data-in-view')).toBe('false');
    expect(await chat.messageItems.nth(dropped).getAttribute('data-in-view')).toBeNull();
    // The meter says the same, and the kept messages fit the budget.
    expect(await reading(chat)).toMatch(new RegExp(` · ${dropped} older messages left out( · room for a ~\\d+-token reply)?$`));
    const kept = messages.slice(dropped).map((message) => message.content);
    const keptExchanges: [string, string][] = [];
    for (let i = 0; i < kept.length; i += 2) keptExchanges.push([kept[i]!, kept[i + 1]!]);
    expect(await reading(chat)).toMatch(new RegExp(`^${tokens(prompt(keptExchanges, ''))} / ${CONTEXT} tokens`));

    // The same after a reload (the conversation reopens from the address).
    await s.page.reload();
    await chat.waitUntilLoaded();
    await divider(chat).waitFor();
    expect(await outOfView.count()).toBe(dropped);

    // The first reply written here carries its own figures, which take over.
    await chat.sendAndWaitForReply('And the sea?');
    const [conversation] = s.app.host.app.store.conversations.listConversations();
    const stats = s.app.host.app.store.conversations.listMessages(conversation!.id).at(-1)?.stats;
    expect(stats?.messagesDropped).toBeGreaterThan(0);
    await expect.poll(() => outOfView.count()).toBe(stats?.messagesDropped);
    expect(s.errors).toEqual([]);
  });
});
