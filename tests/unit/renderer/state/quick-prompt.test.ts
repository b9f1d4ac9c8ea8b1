// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { MAX_CLIPBOARD_CONTEXT_LENGTH } from '../../../../src-main/common/schemas';
import { ChatState } from '../../../../src-renderer/lib/chat.svelte';
import { quickActionPrompt, quickMessage, QuickPromptState } from '../../../../src-renderer/lib/quick-prompt.svelte';
import { useAppSession } from './state-harness';

// The quick prompt's state against the whole app over the in-memory pair (the browser host's side: no desktop shell,
// so the page reads the clipboard and shows its own hidden state).

describe('QuickPromptState', () => {
  // 10 ms between pieces: the 1-ms sampling below sees the answer growing even on a busy machine.
  const session = useAppSession({ deltaChars: 3, deltaDelayMs: 10 });

  async function quickPrompt(options: ConstructorParameters<typeof QuickPromptState>[1] = {}): Promise<QuickPromptState> {
    const quick = new QuickPromptState(session.harness.client, options);
    await quick.start();
    return quick;
  }

  it('asks in a new conversation marked quick and shows the answer in place, kept after it ends', async () => {
    session.engine.queueReply('Quaggas were zebras with half their stripes.');
    const quick = await quickPrompt();
    quick.draft = 'What is a quagga?';
    const texts: string[] = [];
    const asking = quick.ask();
    expect(quick.streaming).toBe(true);
    const timer = setInterval(() => texts.push(quick.answerText), 1);
    expect(await asking).toBe(true);
    clearInterval(timer);
    expect(quick.streaming).toBe(false);
    expect(quick.question).toBe('What is a quagga?');
    expect(quick.draft).toBe('');
    expect(quick.answerText).toBe('Quaggas were zebras with half their stripes.');
    expect(quick.answer?.status).toBe('complete');
    // It streamed: the text was seen growing before it was whole.
    expect(texts.some((text) => text.length > 0 && text.length < quick.answerText.length)).toBe(true);
    const stored = await session.harness.client.call('conversations.get', { id: quick.conversationId ?? '' });
    expect(stored.conversation.source).toBe('quick');
    expect(stored.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'What is a quagga?'],
      ['assistant', 'Quaggas were zebras with half their stripes.'],
    ]);
    quick.dispose();
  });

  it('reads no clipboard while the setting is off (the default)', async () => {
    let reads = 0;
    const quick = await quickPrompt({ pageClipboard: () => (reads++, Promise.resolve('private')) });
    expect(quick.context).toBeNull();
    await quick.wasShown();
    expect(reads).toBe(0);
    expect(quick.context).toBeNull();
    quick.dispose();
  });

  it('a quick window loaded hidden (the desktop app) reads the clipboard only once it is shown', async () => {
    await session.harness.client.call('settings.update', { patch: { quickClipboardPrefill: true } });
    let reads = 0;
    const quick = await quickPrompt({ shownOnLoad: false, pageClipboard: () => (reads++, Promise.resolve('copied')) });
    expect(reads).toBe(0);
    session.harness.app.push({ type: 'onQuickShown' });
    await expect.poll(() => quick.context?.text).toBe('copied');
    expect(reads).toBe(1);
    quick.dispose();
  });

  it('with the setting on: the clipboard is a removable chip; Summarize fills the prompt; the text goes with it', async () => {
    await session.harness.client.call('settings.update', { patch: { quickClipboardPrefill: true } });
    let clipboard = 'The meeting moved to Thursday at ten, in room 4.';
    const quick = await quickPrompt({ pageClipboard: () => Promise.resolve(clipboard) });
    expect(quick.context).toEqual({ text: clipboard, truncated: false });
    quick.applyAction('summarize');
    expect(quick.draft).toBe('Summarize this text:');
    expect(await quick.ask()).toBe(true);
    const request = session.engine.requests.at(-1);
    expect(request?.turns.at(-1)?.content).toBe(quickMessage('Summarize this text:', clipboard));
    expect(request?.turns.at(-1)?.content).toContain(clipboard);
    expect(quick.question).toBe('Summarize this text:');
    // The chip was for that question; the next starts clean until the prompt is shown again.
    expect(quick.context).toBeNull();
    clipboard = 'Another copied line.';
    await quick.wasShown();
    expect(quick.context?.text).toBe('Another copied line.');
    quick.removeContext();
    quick.draft = 'Just a question';
    await quick.ask();
    expect(session.engine.requests.at(-1)?.turns.at(-1)?.content).toBe('Just a question');
    quick.dispose();
  });

  it('cuts a huge clipboard to what a prompt can use, and says when the browser refuses to read it', async () => {
    await session.harness.client.call('settings.update', { patch: { quickClipboardPrefill: true } });
    const huge = await quickPrompt({ pageClipboard: () => Promise.resolve('y'.repeat(MAX_CLIPBOARD_CONTEXT_LENGTH * 3)) });
    expect(huge.context?.truncated).toBe(true);
    expect(huge.context?.text).toHaveLength(MAX_CLIPBOARD_CONTEXT_LENGTH);
    huge.dispose();
    const refused = await quickPrompt({ pageClipboard: () => Promise.reject(new Error('Read permission denied.')) });
    expect(refused.context).toBeNull();
    expect(refused.clipboardProblem).toBe('The clipboard could not be read: Read permission denied.');
    refused.dispose();
  });

  it('the quick actions write their prompts', () => {
    expect(quickActionPrompt('explain')).toBe('Explain this text:');
    expect(quickActionPrompt('fixGrammar')).toBe('Fix the grammar and spelling of this text:');
    expect(quickActionPrompt('translate', 'French')).toBe('Translate this text into French:');
    expect(quickMessage('  Explain this text: ', 'a\nb')).toBe('Explain this text:\n\n"""\na\nb\n"""');
    expect(quickMessage('Hi', null)).toBe('Hi');
  });

  it('with quick prompts kept out of the history, the last exchange is deleted when the next is asked — unless continued', async () => {
    const { client } = session.harness;
    await client.call('settings.update', { patch: { quickSaveHistory: false } });
    const opened: string[] = [];
    const quick = await quickPrompt({ openChatPage: (id) => opened.push(id) });
    quick.draft = 'First';
    await quick.ask();
    const first = quick.conversationId ?? '';
    quick.draft = 'Second';
    await quick.ask();
    const second = quick.conversationId ?? '';
    await expect.poll(async () => (await client.call('conversations.list', {})).map((c) => c.id)).toEqual([second]);
    await quick.continueInApp();
    expect(opened).toEqual([second]); // no chat page in this session: the page opens one
    quick.draft = 'Third';
    await quick.ask();
    const list = await client.call('conversations.list', {});
    expect(list.map((c) => c.id).sort()).toEqual([second, quick.conversationId].sort());
    expect(list.map((c) => c.id)).not.toContain(first);
    quick.dispose();
  });

  it('kept in the history (the default), every exchange stays', async () => {
    const quick = await quickPrompt();
    for (const text of ['One', 'Two']) {
      quick.draft = text;
      await quick.ask();
    }
    expect((await session.harness.client.call('conversations.list', {})).map((c) => [c.title, c.source])).toEqual([
      ['Two', 'quick'],
      ['One', 'quick'],
    ]);
    quick.dispose();
  });

  it('a question refused before anything is stored leaves no conversation and gives the text back', async () => {
    const { client } = session.harness;
    await session.engine.dispose();
    const quick = await quickPrompt();
    quick.draft = 'Anyone there?';
    expect(await quick.ask()).toBe(false);
    expect(quick.notice).not.toBeNull();
    expect(quick.draft).toBe('Anyone there?');
    expect(quick.question).toBe('');
    await expect.poll(async () => (await client.call('conversations.list', {})).length).toBe(0);
    quick.dispose();
  });

  it('says the question is queued while the chat window’s reply is written, then answers it', async () => {
    const { client } = session.harness;
    session.engine.queueReply('word '.repeat(150), 'Quick answer.');
    const main = await client.call('conversations.create', {});
    const busy = client.call('chat.send', { conversationId: main.id, text: 'Long one' });
    await expect.poll(() => session.engine.requests.length).toBe(1);
    const quick = await quickPrompt();
    quick.draft = 'Short one';
    const asking = quick.ask();
    await expect.poll(() => quick.queuedBehind).toBe(1);
    expect(quick.answerText).toBe('');
    expect(await asking).toBe(true);
    expect(quick.queuedBehind).toBe(0);
    expect(quick.answerText).toBe('Quick answer.');
    await busy;
    quick.dispose();
  });

  it('Esc where the host has no window to hide (a tab): the page shows it is hidden; shown again, it is back', async () => {
    const quick = await quickPrompt();
    await quick.hide();
    expect(quick.hidden).toBe(true);
    const shown = quick.shown;
    session.harness.app.push({ type: 'onQuickShown' });
    await expect.poll(() => quick.hidden).toBe(false);
    expect(quick.shown).toBe(shown + 1);
    quick.dispose();
  });

  it('Stop keeps the text so far; Copy puts the answer on the clipboard as written', async () => {
    session.engine.queueReply('word '.repeat(300));
    const quick = await quickPrompt();
    quick.draft = 'Go on';
    const asking = quick.ask();
    await expect.poll(() => quick.answerText.length).toBeGreaterThan(0);
    quick.stop();
    await asking;
    expect(quick.answer?.status).toBe('stopped');
    const copied: string[] = [];
    await quick.copy(async (text) => void copied.push(text));
    expect(copied).toEqual([quick.answer?.content]);
    expect(quick.status).toBe('Copied the answer.');
    quick.dispose();
  });
});

describe('the chat window and the quick prompt', () => {
  const session = useAppSession();

  it('"Continue in Phi Desk" reaches an open chat window: it switches to that conversation', async () => {
    const { client, app } = session.harness;
    const chat = new ChatState(client);
    await chat.start();
    const conversation = await client.call('conversations.create', { source: 'quick' });
    chat.showArchived = true;
    app.push({ type: 'onShowConversation', conversationId: conversation.id });
    await expect.poll(() => chat.selectedId).toBe(conversation.id);
    expect(chat.showArchived).toBe(false);
    chat.dispose();
  });

  it('a menu command runs what the window registered for it, nothing when nothing is registered', async () => {
    const { client, app } = session.harness;
    const chat = new ChatState(client);
    await chat.start();
    const ran: string[] = [];
    const off = chat.commands.handle('openSettings', () => ran.push('settings'));
    app.push({ type: 'onMenuCommand', command: 'openSettings' });
    app.push({ type: 'onMenuCommand', command: 'exportHistory' });
    await expect.poll(() => ran).toEqual(['settings']);
    off();
    expect(chat.commands.run('openSettings')).toBe(false);
    chat.dispose();
  });

  it('the window knows the desktop shell’s status, and follows its changes', async () => {
    const { client, app } = session.harness;
    const chat = new ChatState(client);
    await chat.start();
    expect(chat.settings.desktop?.shortcut).toBe('unavailable');
    const status = { shortcut: 'failed' as const, accelerator: null, message: 'Taken.', tray: true, loginItem: false };
    app.push({ type: 'onQuickStatus', status });
    await expect.poll(() => chat.settings.desktop).toEqual(status);
    chat.dispose();
  });
});
