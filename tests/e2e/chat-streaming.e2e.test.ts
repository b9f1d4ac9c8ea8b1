import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEngine } from '../../src-main/node/engine/llama-engine';
import { getTinyModelPath } from '../fixtures/models';
import { ChatPage } from './pages/chat-page';
import { collectPageErrors, launchChromium } from './support/chromium';
import { startTestHost, type TestHost } from './support/test-host';

// The real engine (llama.cpp through node-llama-cpp) on the tiny synthetic Phi-2 model. At temperature 1 with no
// token cap it writes gibberish until its 2048-token context is full: a couple of seconds on one thread, long enough
// to watch the text grow and press Stop.
let app: TestHost | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  const modelPath = await getTinyModelPath();
  const engine = new LlamaEngine({ threads: 1, defaults: { temperature: 1, maxTokens: 4096, seed: 1 } });
  [app, browser] = await Promise.all([startTestHost({ engine, modelPath }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await app?.dispose();
});

describe('chatting with the real engine', () => {
  it('streams a reply, stops it keeping its text, and shows the conversation again after a reload', async () => {
    const page = await browser!.newPage();
    const errors = collectPageErrors(page);
    const chat = await ChatPage.open(page, app!.url);
    await chat.waitForEngineReady();

    await chat.newChat();
    expect(await chat.sendButton.isDisabled()).toBe(true);
    expect(await chat.stopButton.count()).toBe(0);

    const question = 'Tell me a long story about the sea.';
    await chat.send(question);

    // While it streams: Stop is offered, Send is not, and the reply's text grows.
    await chat.stopButton.waitFor();
    expect(await chat.sendButton.isDisabled()).toBe(true);
    await expect.poll(() => chat.lastReplyText(), { timeout: 20_000 }).not.toBe('');
    const early = await chat.lastReplyText();
    await expect.poll(async () => (await chat.lastReplyText()).length, { timeout: 20_000 }).toBeGreaterThan(early.length);
    await expect.poll(async () => (await chat.messages()).map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'streaming'],
    ]);

    await chat.stop();
    await chat.waitForLastReplyStatus('stopped');
    await chat.stopButton.waitFor({ state: 'hidden' });
    await chat.replies.last().getByText('Stopped', { exact: true }).waitFor();
    // Focus stays in the composer, ready for the next message.
    await expect.poll(() => chat.isFocused(chat.messageBox)).toBe(true);

    const shown = await chat.messages();
    const stoppedText = shown[1]?.text ?? '';
    expect(stoppedText.startsWith(early)).toBe(true);
    expect(stoppedText.length).toBeGreaterThan(early.length);
    expect(shown).toEqual([
      { role: 'user', status: 'complete', text: question },
      { role: 'assistant', status: 'stopped', text: stoppedText },
    ]);

    // Send is available again as soon as there is something to send.
    await chat.messageBox.fill('And then?');
    expect(await chat.sendButton.isEnabled()).toBe(true);

    // The conversation is listed (titled after the question) and marked as the open one.
    expect(await chat.currentConversation.textContent()).toBe(question);

    await page.reload();
    await chat.waitUntilLoaded();
    await expect.poll(() => chat.messages()).toEqual([
      { role: 'user', status: 'complete', text: question },
      { role: 'assistant', status: 'stopped', text: stoppedText },
    ]);
    await expect.poll(() => chat.currentConversation.textContent()).toBe(question);
    await expect.poll(() => chat.conversations.count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
