import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ChatPage } from './pages/chat-page';
import { useScriptedSession } from './support/scripted-session';

// Replies that read like a real assistant's (issue 9): Markdown rendered, code highlighted and copyable, math
// typeset — in light and dark, under the app's strict CSP — and nothing a message says can run, load or navigate.

/** Where screenshots go: the test output, next to the test reports (git-ignored). */
const SCREENSHOTS = path.resolve('.cache/test-results/screenshots');

const QUESTION = 'How do I sort a list of words by length in Python?';
const CODE = [
  'def by_length(words: list[str]) -> list[str]:',
  '    """Shortest first; words of equal length keep their order."""',
  '    return sorted(words, key=len)',
  '',
  'print(by_length(["pear", "fig", "banana"]))  # [\'fig\', \'pear\', \'banana\']',
].join('\n');
const RICH_REPLY = `# Sorting by length

Use **\`sorted()\`** to get a *new* list, or \`list.sort()\` to sort in place. Both take $O(n \\log n)$ time.

## Steps

1. Pick the words
2. Choose a \`key\` — here **the length**
3. Call it:

\`\`\`python
${CODE}
\`\`\`

| Method | Returns | In place |
|---|---|:-:|
| \`sorted(words)\` | a new list | no |
| \`words.sort()\` | \`None\` | yes |

Comparisons needed, at most:

$$
\\log_2 n! \\approx n \\log_2 n - 1.44\\,n
$$

> **Tip:** see the [Sorting HOW TO](https://docs.python.org/3/howto/sorting.html).

- [x] works for any iterable
- [ ] changes the original list`;

/** The reply's text as "Copy as plain text" gives it: no markup, code as written, formulas as TeX. */
const RICH_REPLY_PLAIN = `Sorting by length

Use sorted() to get a new list, or list.sort() to sort in place. Both take O(n \\log n) time.

Steps

1. Pick the words
2. Choose a key — here the length
3. Call it:

${CODE}

Method\tReturns\tIn place
sorted(words)\ta new list\tno
words.sort()\tNone\tyes

Comparisons needed, at most:

\\log_2 n! \\approx n \\log_2 n - 1.44\\,n

Tip: see the Sorting HOW TO.

• ☑ works for any iterable
• ☐ changes the original list`;

// Page code is passed as strings: the tests compile without the DOM's types.
const colour = (element: Locator): Promise<string> =>
  element.evaluate((node) => String(node.ownerDocument.defaultView?.getComputedStyle(node).color));

async function clipboard(page: Page): Promise<string> {
  return String(await page.evaluate('navigator.clipboard.readText()'));
}

describe('Markdown in the chat window', () => {
  const s = useScriptedSession({ deltaChars: 12, deltaDelayMs: 1 });

  async function askForRichReply(): Promise<{ chat: ChatPage; reply: Locator }> {
    await s.page.setViewportSize({ width: 1180, height: 1000 });
    s.engine.queueReply(RICH_REPLY);
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply(QUESTION);
    return { chat, reply: chat.replies.last() };
  }

  it('renders headings, lists, a table, highlighted code and math, in light and in dark', async () => {
    const { chat, reply } = await askForRichReply();
    const body = chat.body(reply);
    await mkdir(SCREENSHOTS, { recursive: true });
    const keywordColours: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      await s.page.emulateMedia({ colorScheme });
      expect(await body.locator('h1').textContent()).toBe('Sorting by length');
      expect(await body.locator('h2').textContent()).toBe('Steps');
      expect(await body.locator('ol > li').count()).toBe(3);
      const listStyle = (list: Locator): Promise<string> =>
        list.evaluate((node) => String(node.ownerDocument.defaultView?.getComputedStyle(node).listStyleType));
      expect(await listStyle(body.locator('ol'))).toBe('decimal'); // numbered, unlike the list of messages around it
      expect(await body.locator('table th').allTextContents()).toEqual(['Method', 'Returns', 'In place']);
      expect(await body.locator('table tbody tr').count()).toBe(2);
      const code = body.locator('pre > code.hljs.language-python');
      expect(await code.textContent()).toBe(CODE);
      expect(await code.locator('.hljs-keyword').first().textContent()).toBe('def');
      expect(await body.getByText('python', { exact: true }).isVisible()).toBe(true); // the language label
      expect(await body.locator('.katex').count()).toBe(2);
      expect(await body.locator('.katex-display annotation').textContent()).toBe('\\log_2 n! \\approx n \\log_2 n - 1.44\\,n');
      expect(await body.getByRole('checkbox').count()).toBe(2);
      expect(await body.getByRole('link', { name: 'Sorting HOW TO' }).getAttribute('href')).toBe(
        'https://docs.python.org/3/howto/sorting.html',
      );
      // No raw Markdown left on screen.
      expect(await body.innerText()).not.toMatch(/\*\*|```|\$\$|^#|\|---/m);
      keywordColours.push(await colour(code.locator('.hljs-keyword').first()));
      await reply.scrollIntoViewIfNeeded();
      await reply.locator('.author').hover(); // shows the reply's actions
      await s.page.screenshot({ path: path.join(SCREENSHOTS, `chat-${colorScheme}.png`) });
    }
    expect(keywordColours[0]).not.toBe(keywordColours[1]); // the highlighting follows the colour scheme

    // KaTeX's fonts load under the CSP (font-src 'self'), and nothing was refused or failed.
    expect(await s.page.evaluate(`document.fonts.ready.then(() => document.fonts.check('16px KaTeX_Main'))`)).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('copies a code block exactly, and a message as Markdown or as plain text', async () => {
    const { chat, reply } = await askForRichReply();
    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(s.app.url).origin });

    const copyCode = reply.getByRole('button', { name: 'Copy code' });
    await copyCode.click();
    await expect.poll(() => clipboard(s.page)).toBe(CODE);
    await reply.getByRole('button', { name: 'Copied' }).waitFor(); // says so for a moment
    await copyCode.waitFor(); // then offers it again

    await reply.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect.poll(() => clipboard(s.page)).toBe(RICH_REPLY);
    await reply.getByRole('button', { name: 'Copy as plain text', exact: true }).click();
    await expect.poll(() => clipboard(s.page)).toBe(RICH_REPLY_PLAIN);

    const question = chat.messageItems.first();
    await question.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect.poll(() => clipboard(s.page)).toBe(QUESTION);
    // The message's actions keep their names and show what they do on hover.
    for (const name of ['Copy', 'Copy as plain text', 'Regenerate', 'Delete from here']) {
      expect(await reply.getByRole('button', { name, exact: true }).getAttribute('title')).toBeTruthy();
    }
    expect(await question.getByRole('button', { name: 'Edit', exact: true }).getAttribute('title')).toBe('Edit');
    expect(s.errors).toEqual([]);
  });

  it('keeps long code lines, wide tables and formulas inside the message: they scroll, the page does not widen', async () => {
    const long = `x = "${'a'.repeat(400)}"`;
    s.engine.queueReply(`\`\`\`python\n${long}\n\`\`\`\n\n| ${'wide column | '.repeat(30)}\n|${'---|'.repeat(30)}\n\n$$\n${'x + '.repeat(120)}y\n$$`);
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Long things');
    const reply = chat.replies.last();
    const overflows = (locator: Locator): Promise<boolean> =>
      locator.evaluate((element) => element.scrollWidth > element.clientWidth + 1);
    expect(await overflows(reply.locator('pre'))).toBe(true);
    expect(await overflows(reply.locator('table'))).toBe(true);
    expect(await overflows(reply.locator('.math-display'))).toBe(true);
    expect(await overflows(chat.scroller)).toBe(false);
    expect(await overflows(s.page.locator('body'))).toBe(false);
    expect(await reply.locator('pre code').textContent()).toBe(long);
    expect(s.errors).toEqual([]);
  });

  it('opens a link in a new tab outside the app, with no way back to the app', async () => {
    const context = s.page.context();
    // The page the link opens is served here: the tests use no network.
    await context.route('https://example.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<p>outside</p>' }));
    s.engine.queueReply('Read [the docs](https://example.com/docs) first.');
    const chat = await ChatPage.open(s.page, s.app.url);
    await chat.sendAndWaitForReply('Where are the docs?');
    const appUrl = s.page.url(); // the open conversation's address
    const link = chat.replies.last().getByRole('link', { name: 'the docs' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    const opened = context.waitForEvent('page');
    await link.click();
    const tab = await opened;
    await tab.waitForLoadState();
    expect(tab.url()).toBe('https://example.com/docs');
    expect(await tab.evaluate('window.opener === null')).toBe(true);
    expect(s.page.url()).toBe(appUrl);
    expect(await chat.replies.last().isVisible()).toBe(true);
    await tab.close();
    expect(s.errors).toEqual([]);
  });
});

describe('a Markdown reply while it streams', () => {
  // Two characters every 10 ms: the page sees the reply in many small steps, cut everywhere (at 4 ms a slow moment
  // of a CI machine let the page take in up to a dozen deltas at once, and it was seen in only 11 steps).
  const s = useScriptedSession({ deltaChars: 2, deltaDelayMs: 10 });

  const STREAMED = `Here is **the plan** for _today_, in 日本語 and with emoji 🎉🌊:

1. Read \`notes.md\`
2. Write ~~nothing~~ **everything**

| Step | Time |
|------|-----:|
| read | 5 min |

\`\`\`js
const ok = true;
\`\`\`

Done — ça va? 👍`;

  it('never shows raw Markdown markers or a broken character, and ends as the same DOM a reload shows', async () => {
    s.engine.queueReply(STREAMED);
    const chat = await ChatPage.open(s.page, s.app.url);
    // Record the reply's text at every change the page makes to the list, while it streams.
    await s.page.evaluate(`(() => {
      window.shownWhileStreaming = [];
      new MutationObserver(() => {
        const body = document.querySelector('li[data-role="assistant"][data-status="streaming"] .text');
        if (body) window.shownWhileStreaming.push(body.innerText);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    })()`);
    await chat.sendAndWaitForReply('What is the plan?');
    const shown = (await s.page.evaluate('window.shownWhileStreaming')) as string[];
    expect(shown.length).toBeGreaterThan(20); // it was watched in many steps
    const raw = shown.filter((text) => /\*\*|~~|`|\|\s*\w|\uFFFD|^\s*\d+\.\s*$|^-\s*$/m.test(text));
    expect(raw).toEqual([]);

    const body = chat.body(chat.replies.last());
    const streamedHtml = await body.innerHTML();
    expect(await body.innerText()).toContain('Here is the plan for today, in 日本語 and with emoji 🎉🌊:');
    expect(await body.innerText()).toContain('Done — ça va? 👍');
    await s.page.reload();
    await chat.waitUntilLoaded();
    await chat.replies.last().getByText('Done — ça va? 👍').waitFor();
    expect(await chat.body(chat.replies.last()).innerHTML()).toBe(streamedHtml);
    expect(s.errors).toEqual([]);
  });
});

describe('hostile messages', () => {
  const s = useScriptedSession({ deltaChars: 16 });

  const PAYLOADS = [
    '<img src=x onerror="window.pwned=1;alert(1)">',
    '<script>window.pwned=2;alert(2)</script>',
    '<iframe src="javascript:alert(3)"></iframe>',
    '<svg onload="window.pwned=4;alert(4)"><circle r="5"/></svg>',
    '[click me](javascript:window.pwned=5;alert(5))',
    '[data link](data:text/html,<script>alert(6)</script>)',
    '![picture](data:image/svg+xml,<svg onload=alert(7)>)',
    '<a href="javascript:alert(8)">html link</a>',
    '<style>body{display:none}</style><form action="https://example.com"><button>go</button></form>',
  ].join('\n\n');

  it('shows XSS payloads in questions and replies as inert text: nothing runs, loads or navigates', async () => {
    const dialogs: string[] = [];
    s.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const requests: string[] = [];
    const chat = await ChatPage.open(s.page, s.app.url);
    s.page.on('request', (request) => requests.push(request.url()));
    // The scripted engine answers "You said: <the question>": the payloads are in both messages.
    await chat.sendAndWaitForReply(PAYLOADS);
    const appUrl = s.page.url(); // the open conversation's address

    const list = s.page.getByRole('list', { name: 'Messages', exact: true });
    for (const message of [chat.messageItems.first(), chat.replies.last()]) {
      const text = await chat.body(message).innerText();
      expect(text).toContain('<script>window.pwned=2;alert(2)</script>');
      expect(text).toContain('<img src=x onerror="window.pwned=1;alert(1)">');
    }
    expect(await list.locator('script, iframe, img, object, embed, style, form, svg:not(.icon)').count()).toBe(0);
    expect(await list.evaluate((root) => [...root.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((name) => name.startsWith('on')))).toEqual([]);
    // The javascript: and data: links are text, not links; clicking them does nothing.
    expect(await list.getByRole('link').count()).toBe(0);
    await chat.replies.last().getByText('click me').click();
    await chat.replies.last().getByText('data link').click();

    expect(await s.page.evaluate('window.pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(s.page.url()).toBe(appUrl);
    expect(await s.page.locator('body').isVisible()).toBe(true);
    // Nothing was fetched for the messages (no picture, no frame; `src=x` would be this origin's /x): only the app's
    // own files.
    const origin = new URL(s.app.url).origin;
    const own = (url: string): boolean => url.startsWith(`${origin}/assets/`) || url === `${origin}/favicon.svg`;
    expect(requests.filter((url) => !own(url))).toEqual([]);
    expect(s.errors).toEqual([]);
  });
});
