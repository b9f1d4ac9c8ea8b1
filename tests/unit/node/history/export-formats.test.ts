import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { HistoryProgressEvents } from '../../../../src-main/common/contract';
import { RpcError } from '../../../../src-main/common/contract';
import type { MethodInput } from '../../../../src-main/common/schemas';
import type { ExportFile } from '../../../../src-main/node/store/history-schema';
import { expectValidExport } from '../../../fixtures/export-schema';
import { readZip } from '../../../fixtures/zip-files';
import { tempDataDir, type Harness } from '../host/compose-harness';
import { bootHistoryApp, DAYS, seedHistory, shapeOf } from './history-seed';

/**
 * The export formats over the real contract, on real SQLite files: JSON round-trips losslessly and matches the
 * committed schema; Markdown parses back (front matter and ```yaml blocks with a YAML parser, the body with Marked);
 * HTML is one self-contained page; several files go in a zip with an index; the scope takes what it says; a cancelled
 * export leaves nothing and never touches an existing file. (The HTML in a browser: tests/e2e/history-export.e2e.)
 */

let dirs: Array<ReturnType<typeof tempDataDir>>;
let out: string;
const harnesses: Harness[] = [];

beforeEach(() => {
  dirs = [tempDataDir()];
  out = dirs[0]!.dir;
});

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
  for (const dir of dirs) dir.remove();
});

async function seeded() {
  const dir = tempDataDir();
  dirs.push(dir);
  const clock = { now: DAYS.circle };
  const app = bootHistoryApp(dir.dir, clock);
  harnesses.push(app);
  const ids = await seedHistory(app.client, clock);
  return { app, ids, clock };
}

function emptyApp(): Harness {
  const dir = tempDataDir();
  dirs.push(dir);
  const app = bootHistoryApp(dir.dir, { now: Date.UTC(2026, 5, 1) });
  harnesses.push(app);
  return app;
}

type ExportParams = Omit<MethodInput['history.export'], 'path' | 'download'>;

async function exportTo(app: Harness, name: string, params: ExportParams) {
  const file = path.join(out, name);
  const events: HistoryProgressEvents[] = [];
  const result = await app.client.call('history.export', { path: file, ...params }, { onEvent: (event) => events.push(event) });
  return { file, result, events, text: () => readFileSync(file, 'utf8') };
}

/** A JSON export without what differs between two stores holding the same history: ids and the export time. */
function comparable(document: ExportFile) {
  return document.conversations.map(shapeOf);
}

/** Front matter (YAML) and the Markdown after it. */
function splitFrontMatter(text: string): { facts: Record<string, unknown>; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  expect(match).not.toBeNull();
  return { facts: parseYaml(match![1]!) as Record<string, unknown>, body: text.slice(match![0].length) };
}

function headings(tokens: Token[]): string[] {
  return tokens.filter((token): token is Tokens.Heading => token.type === 'heading').map((token) => `${'#'.repeat(token.depth)} ${token.text}`);
}

describe('JSON export', () => {
  it('round-trips: export, import into an empty store, export again gives the same document (every branch, time, stat, setting)', async () => {
    const { app } = await seeded();
    const first = await exportTo(app, 'first.json', { format: 'json' });
    const document = JSON.parse(first.text()) as ExportFile;
    expectValidExport(document);
    expect(document.conversations.map((conversation) => [conversation.title, conversation.messages.length])).toEqual([
      ['Circle area', 7],
      ['Lisbon trip', 4],
      ['Zebra facts', 2],
    ]);
    const circle = document.conversations[0]!;
    expect(circle.messages.filter((message) => message.role === 'assistant').every((message) => message.stats !== null)).toBe(true);
    expect(circle).toMatchObject({ pinned: true, systemPrompt: 'You are a maths tutor.', generation: { temperature: 0.2, seed: 7 } });

    const empty = emptyApp();
    const imported = await empty.client.call('history.import', { paths: [first.file] });
    expect(imported).toMatchObject({ imported: 3, messages: 13, failed: [] });
    const second = await exportTo(empty, 'second.json', { format: 'json' });
    const again = JSON.parse(second.text()) as ExportFile;
    expectValidExport(again);
    expect(comparable(again)).toEqual(comparable(document));
    // Literally the same text once ids are mapped: nothing is reordered, reformatted or rounded.
    const ids = new Map<string, string>();
    document.conversations.forEach((conversation, c) => {
      ids.set(again.conversations[c]!.id, conversation.id);
      conversation.messages.forEach((message, m) => ids.set(again.conversations[c]!.messages[m]!.id, message.id));
    });
    const renamed = second.text().replace(/"[0-9a-f-]{36}"/g, (quoted) => `"${ids.get(quoted.slice(1, -1)) ?? quoted}"`);
    expect(renamed.replace(/"exportedAt":\d+/, '')).toBe(first.text().replace(/"exportedAt":\d+/, ''));
  });

  it('one file per conversation goes in a zip with an index, and the zip imports back', async () => {
    const { app } = await seeded();
    const { file, result } = await exportTo(app, 'history.zip', { format: 'json', layout: 'separate' });
    expect(result).toMatchObject({ zipped: true, conversations: 3, messages: 13, fileName: expect.stringMatching(/\.zip$/) });
    const entries = await readZip(file);
    expect([...entries.keys()].sort()).toEqual(['0001 Circle area.json', '0002 Lisbon trip.json', '0003 Zebra facts.json', 'index.md']);
    for (const [name, text] of entries) if (name.endsWith('.json')) expectValidExport(JSON.parse(text));
    const index = marked.lexer(entries.get('index.md')!);
    const links = index
      .filter((token): token is Tokens.List => token.type === 'list')
      .flatMap((list) => list.items.flatMap((item) => (item.tokens[0] as Tokens.Text).tokens ?? []))
      .filter((token): token is Tokens.Link => token.type === 'link');
    expect(links.map((link) => [link.text, link.href])).toEqual([
      ['Circle area', '0001 Circle area.json'],
      ['Lisbon trip', '0002 Lisbon trip.json'],
      ['Zebra facts', '0003 Zebra facts.json'],
    ]);

    const empty = emptyApp();
    expect(await empty.client.call('history.import', { paths: [file] })).toMatchObject({ imported: 3, messages: 13, formats: ['phi-desk'] });
  });
});

describe('Markdown export', () => {
  it('one conversation: front matter with its facts, the branch shown, parsed back by a YAML and a Markdown parser', async () => {
    const { app, ids } = await seeded();
    const { text, result } = await exportTo(app, 'circle.md', { format: 'markdown', scope: { kind: 'conversations', ids: [ids.circle] } });
    expect(result).toMatchObject({ conversations: 1, messages: 2, fileName: 'Circle area.md' });
    const { facts, body } = splitFrontMatter(text());
    expect(facts).toMatchObject({
      title: 'Circle area',
      created: new Date(DAYS.circle).toISOString(),
      model: expect.any(String),
      source: 'chat',
      pinned: true,
      archived: false,
      system_prompt: 'You are a maths tutor.',
      settings: { temperature: 0.2, seed: 7 },
      messages: 2,
      branches: 3,
      shown: 'the branch shown in the app',
    });
    const tokens = marked.lexer(body);
    // The branch shown: the first question with its regenerated reply.
    expect(headings(tokens)).toEqual(['# Circle area', '## You', '## Assistant']);
    // The reply's own Markdown survives as Markdown: its table and fenced code are there to a parser.
    expect(tokens.some((token) => token.type === 'table')).toBe(true);
    expect(tokens.find((token): token is Tokens.Code => token.type === 'code')).toMatchObject({ lang: 'python', text: expect.stringContaining('def area(r):') });
  });

  it('every branch, labelled where each leaves the others; several conversations in one file with a ```yaml block each', async () => {
    const { app } = await seeded();
    const { text, result } = await exportTo(app, 'all.md', { format: 'markdown', branches: 'all' });
    expect(result).toMatchObject({ conversations: 3, messages: 13 });
    const { facts, body } = splitFrontMatter(text());
    expect(facts).toMatchObject({ title: 'Phi Desk conversations', conversations: 3, shown: 'every branch' });
    const tokens = marked.lexer(body);
    expect(headings(tokens)).toEqual([
      '# Circle area',
      '## Branch 1 of 3 (shown in the app)',
      '### 1. You',
      '### 2. Assistant',
      '## Branch 2 of 3',
      '### 2. Assistant',
      '### 3. You',
      '### 4. Assistant',
      '## Branch 3 of 3',
      '### 1. You',
      '### 2. Assistant',
      // A conversation that never forked reads as it does with only the branch shown.
      '# Lisbon trip',
      '## You',
      '## Assistant',
      '## You',
      '## Assistant',
      '# Zebra facts',
      '## You',
      '## Assistant',
    ]);
    expect(body).toContain('*Continues after message 1 (You: “What is the area of a circle?”) with another reply.*');
    expect(body).toContain('*Starts the conversation with another first question.*');
    const blocks = tokens.filter((token): token is Tokens.Code => token.type === 'code' && token.lang === 'yaml').map((token) => parseYaml(token.text) as Record<string, unknown>);
    expect(blocks.map((block) => [block.title, block.messages, block.branches, block.archived])).toEqual([
      ['Circle area', 7, 3, false],
      ['Lisbon trip', 4, 1, false],
      ['Zebra facts', 2, 1, true],
    ]);
  });

  it('one file per conversation in a zip, each with front matter, and an index', async () => {
    const { app } = await seeded();
    const { file } = await exportTo(app, 'md.zip', { format: 'markdown', layout: 'separate', includeArchived: false });
    const entries = await readZip(file);
    expect([...entries.keys()].sort()).toEqual(['0001 Circle area.md', '0002 Lisbon trip.md', 'index.md']);
    expect(splitFrontMatter(entries.get('0002 Lisbon trip.md')!).facts).toMatchObject({ title: 'Lisbon trip', messages: 4 });
  });

  it('a reply cut off inside a code block does not swallow the rest of the file', async () => {
    const { app } = await seeded();
    app.app.store.history.importConversation({
      id: 'x', title: 'Cut reply', createdAt: DAYS.zebra, updatedAt: DAYS.zebra, pinned: false, archived: false, systemPrompt: null, generation: {}, model: null,
      currentLeafId: 'b',
      messages: [
        { id: 'a', parentId: null, role: 'user', content: 'Write code', status: 'complete', createdAt: DAYS.zebra, stats: null, error: null },
        { id: 'b', parentId: 'a', role: 'assistant', content: '```js\nconsole.log(1)', status: 'stopped', createdAt: DAYS.zebra, stats: null, error: null },
      ],
    });
    const { text } = await exportTo(app, 'cut.md', { format: 'markdown', scope: { kind: 'search', query: 'code' }, includeArchived: true });
    const tokens = marked.lexer(splitFrontMatter(text()).body);
    expect(headings(tokens)).toEqual(['# Cut reply', '## You', '## Assistant']);
    expect(tokens.find((token): token is Tokens.Code => token.type === 'code')).toMatchObject({ lang: 'js', text: 'console.log(1)' });
  });
});

describe('HTML export', () => {
  it('one page: no script, its own policy, contents linking to each conversation, rendered Markdown, code, math and fonts inside', async () => {
    const { app } = await seeded();
    const { text, result } = await exportTo(app, 'all.html', { format: 'html' });
    expect(result).toMatchObject({ conversations: 3, messages: 8, fileName: expect.stringMatching(/^phi-desk-history-.*\.html$/) });
    const html = text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:`);
    // Nothing points outside the file but the links a reader clicks.
    expect(html.match(/(?:src|href)="(?!#|https:\/\/example\.com\/)[^"]*"/g) ?? []).toEqual([]);
    expect(html).not.toMatch(/url\((?!data:)/);
    for (const [index, title] of ['Circle area', 'Lisbon trip', 'Zebra facts'].entries()) {
      expect(html).toContain(`<li><a href="#conversation-${index + 1}">${title}</a>`);
      expect(html).toContain(`<article class="conversation" id="conversation-${index + 1}">\n<h1>${title}</h1>`);
    }
    expect(html).toContain('<table>');
    expect(html).toMatch(/<code class="hljs language-python"><span class="hljs-keyword">def<\/span>/);
    expect(html).toContain('class="katex"');
    expect(html).toMatch(/@font-face\{font-display:block;font-family:KaTeX_Main;font-style:normal;font-weight:400;src:url\(data:font\/woff2;base64,/);
    expect(html).toContain('Raw &lt;b onclick=&quot;steal()&quot;&gt;markup&lt;/b&gt;');
    expect(html).toContain('<a href="https://example.com/circles" rel="noopener noreferrer">a link</a>');
    expect(html).toContain('a bad one'); // its text stays, without a link
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<a href="https://example.com/circle.png" rel="noopener noreferrer">a picture</a>');
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
  });

  it('a page without math carries no KaTeX fonts; with math, only the faces its formulas use', async () => {
    const { app, ids } = await seeded();
    const plain = (await exportTo(app, 'lisbon.html', { format: 'html', scope: { kind: 'conversations', ids: [ids.lisbon] } })).text();
    expect(plain).not.toContain('@font-face');
    expect(plain).not.toContain('class="katex"');
    const withMath = (await exportTo(app, 'circle.html', { format: 'html', scope: { kind: 'conversations', ids: [ids.circle] } })).text();
    const faces = [...withMath.matchAll(/font-family:(KaTeX_\w+);font-style:(\w+);font-weight:(\d+)/g)].map((match) => `${match[1]} ${match[2]} ${match[3]}`);
    expect(faces).toContain('KaTeX_Main normal 400');
    expect(faces).toContain('KaTeX_Math italic 400');
    expect(faces.length).toBeLessThan(10); // of KaTeX's 20
    expect(Buffer.byteLength(withMath) - Buffer.byteLength(plain)).toBeLessThan(250_000);
  });

  it('several files: a zip of pages and an index page linking them', async () => {
    const { app } = await seeded();
    const { file } = await exportTo(app, 'pages.zip', { format: 'html', layout: 'separate' });
    const entries = await readZip(file);
    expect([...entries.keys()].sort()).toEqual(['0001 Circle area.html', '0002 Lisbon trip.html', '0003 Zebra facts.html', 'index.html']);
    const index = entries.get('index.html')!;
    expect(index).not.toMatch(/<script/i);
    expect(index).toContain('<a href="0001%20Circle%20area.html">Circle area</a>');
    expect(entries.get('0002 Lisbon trip.html')).not.toContain('<nav class="contents"'); // one conversation: no contents
  });
});

describe('scope', () => {
  async function titlesOf(app: Harness, params: Omit<ExportParams, 'format'>): Promise<string[]> {
    const { text } = await exportTo(app, `scope-${Math.random().toString(36).slice(2)}.json`, { format: 'json', ...params });
    return (JSON.parse(text()) as ExportFile).conversations.map((conversation) => conversation.title);
  }

  it('all, a selection, archived left out, a search (titles and messages of every branch), a date range', async () => {
    const { app, ids } = await seeded();
    expect(await titlesOf(app, {})).toEqual(['Circle area', 'Lisbon trip', 'Zebra facts']);
    expect(await titlesOf(app, { includeArchived: false })).toEqual(['Circle area', 'Lisbon trip']);
    expect(await titlesOf(app, { scope: { kind: 'conversations', ids: [ids.zebra, ids.circle] } })).toEqual(['Circle area', 'Zebra facts']);
    expect(await titlesOf(app, { scope: { kind: 'conversations', ids: [ids.zebra, ids.circle] }, includeArchived: false })).toEqual(['Circle area']);
    expect(await titlesOf(app, { scope: { kind: 'search', query: 'umbrella' } })).toEqual(['Lisbon trip']);
    expect(await titlesOf(app, { scope: { kind: 'search', query: 'radius' } })).toEqual(['Circle area']); // in a branch not shown
    expect(await titlesOf(app, { scope: { kind: 'search', query: 'zebra' } })).toEqual(['Zebra facts']); // by its title
    expect(await titlesOf(app, { scope: { kind: 'search', from: DAYS.lisbon - 86_400_000, to: DAYS.zebra - 86_400_000 } })).toEqual(['Lisbon trip']);
    expect(await titlesOf(app, { scope: { kind: 'search', query: 'answer', from: DAYS.lisbon } })).toEqual(['Lisbon trip', 'Zebra facts']);

    const none = await app.client.call('history.export', { path: path.join(out, 'none.json'), format: 'json', scope: { kind: 'search', query: 'nothing-like-this' } }).catch((error: unknown) => error);
    expect(none).toBeInstanceOf(RpcError);
    expect(none).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NOTHING' } });
    expect(readdirSync(out)).not.toContain('none.json');
  });
});

describe('cancel and failure', () => {
  it('a cancel in the middle leaves no partial file and never touches an existing one', async () => {
    const { app } = await seeded();
    for (let i = 0; i < 40; i++) {
      const conversation = await app.client.call('conversations.create', { title: `Filler ${i}` });
      await app.client.call('chat.send', { conversationId: conversation.id, text: `Question ${i} `.repeat(200) });
    }
    const folder = path.join(out, 'keep');
    mkdirSync(folder);
    const existing = path.join(folder, 'history.html');
    writeFileSync(existing, 'precious');
    const controller = new AbortController();
    const events: HistoryProgressEvents[] = [];
    const call = app.client.call(
      'history.export',
      { path: existing, format: 'html', overwrite: true },
      {
        signal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          controller.abort(); // the page's head is being written by now: the temporary file exists
        },
      },
    );
    const error = await call.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(events.length).toBeGreaterThan(0);
    expect(readdirSync(folder)).toEqual(['history.html']);
    expect(readFileSync(existing, 'utf8')).toBe('precious');
  });

  it('a download where the host has none is refused in words', async () => {
    const { app } = await seeded();
    const error = await app.client.call('history.export', { download: true, format: 'json' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NO_DOWNLOAD' } });
  });
});
