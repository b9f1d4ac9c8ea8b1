// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { MarkdownRenderer } from '../../../../src-renderer/lib/markdown/incremental-renderer';
import type * as MarkdownModule from '../../../../src-renderer/lib/markdown/markdown';
import { MARKDOWN_MEASURE } from '../../../../src-renderer/lib/markdown/render-timing';
import { SAMPLE_REPLY } from './sample-reply';
import { MarkdownWriter } from '../../../bench/ui/markdown-text';
import { seededRandom, WordList } from '../../../bench/store/synthetic-text';

// Rendering one block is a pure function of its tokens; jsdom makes it slow (KaTeX, DOMPurify). Memoised here so
// the every-prefix comparisons below run in seconds: what they test — where blocks start and end, which are kept,
// how the open one is shown, when text is appended instead of parsed — is all in the renderer around it.
vi.mock('../../../../src-renderer/lib/markdown/markdown', async (importOriginal) => {
  const original = await importOriginal<typeof MarkdownModule>();
  const memo = new Map<string, HTMLElement>();
  return {
    ...original,
    renderBlock: (...args: Parameters<typeof original.renderBlock>): HTMLElement => {
      const key = JSON.stringify(args);
      let element = memo.get(key);
      if (!element) memo.set(key, (element = original.renderBlock(...args)));
      return element.cloneNode(true) as HTMLElement;
    },
  };
});

/** A one-shot render: a fresh renderer given the whole text at once. */
function oneShot(text: string, streaming: boolean): string {
  const root = document.createElement('div');
  new MarkdownRenderer(root).update(text, streaming);
  return root.innerHTML;
}

describe('the incremental Markdown renderer', () => {
  it('shows, after every character streamed, the same DOM as rendering that much of the reply at once', () => {
    const root = document.createElement('div');
    const renderer = new MarkdownRenderer(root);
    let text = '';
    const mismatches: string[] = [];
    for (const char of SAMPLE_REPLY) {
      text += char;
      renderer.update(text, true);
      if (root.innerHTML !== oneShot(text, true)) mismatches.push(JSON.stringify(text.slice(-40)));
    }
    expect(mismatches).toEqual([]);
    renderer.update(text, false);
    expect(root.innerHTML).toBe(oneShot(SAMPLE_REPLY, false));
  });

  it('shows the same DOM as rendering at once after every delta of several characters, spaces at their ends included', () => {
    // A model's tokens are a few characters, often a word and a space: where the block shows spaces at its end (a
    // paragraph) they are appended, where it drops them (a list item, heading, table cell) they wait for the next word.
    const text = `${WORDY_REPLY}\n\n${SAMPLE_REPLY}`;
    const mismatches: string[] = [];
    for (const size of [2, 3, 4, 5, 7]) {
      const root = document.createElement('div');
      const renderer = new MarkdownRenderer(root);
      for (let end = size; end < text.length + size; end += size) {
        const prefix = text.slice(0, end);
        renderer.update(prefix, true);
        if (root.innerHTML !== oneShot(prefix, true)) mismatches.push(`${size}: ${JSON.stringify(prefix.slice(-40))}`);
      }
      renderer.update(text, false);
      if (root.innerHTML !== oneShot(text, false)) mismatches.push(`${size}: the finished text`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('the incremental Markdown renderer on a long generated reply', () => {
  it('shows the same DOM as rendering at once after every delta, for the UI benchmark\'s kind of reply', () => {
    // Headings, prose with emphasis, code spans, links and math, lists, task lists, tables (rows shorter than their
    // header, code spans in cells), fenced code, quotes, displayed formulas: the fast paths' every case, cut anywhere.
    const random = seededRandom(7);
    const text = new MarkdownWriter(new WordList(random), random).reply(2_600);
    for (const kind of [/^\| --- \|/m, /^\| .*`\w+`/m, /^- \S/m, /^```\w+$/m, /`\w+`/]) expect(text).toMatch(kind);
    const mismatches: string[] = [];
    for (const size of [4, 7]) {
      const root = document.createElement('div');
      const renderer = new MarkdownRenderer(root);
      for (let end = size; end < text.length + size; end += size) {
        const prefix = text.slice(0, end);
        renderer.update(prefix, true);
        if (root.innerHTML !== oneShot(prefix, true)) mismatches.push(`${size}: ${JSON.stringify(prefix.slice(-40))}`);
      }
      renderer.update(text, false);
      if (root.innerHTML !== oneShot(text, false)) mismatches.push(`${size}: the finished text`);
      expect(renderer.stats.appends).toBeGreaterThan(0);
    }
    expect(mismatches).toEqual([]);
  }, 180_000);
});

/** Words and spaces in every kind of block that has text, for deltas that end in a space. */
const WORDY_REPLY = `## A heading of several words

A paragraph of plain words, written a few characters at a time, with commas, and a question? Yes!
- a list item of several words
- another item, longer than the first one

1. a numbered item of words
> a quoted line of words

| first column | second column |
| --- | --- |
| some words | more words here |`;

/** Pseudo-random numbers from a fixed seed (the same cuts on every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

/** Where the last block that is not blank starts in `text`: the part an update may lex again. */
function openBlockStart(text: string): number {
  const root = document.createElement('div');
  const renderer = new MarkdownRenderer(root);
  renderer.update(text, true);
  return renderer.openBlockStart;
}

describe('finishing a reply', () => {
  it('gives, for every length the reply could have stopped at, the same DOM as rendering it at once', () => {
    const next = random(7);
    const mismatches: number[] = [];
    for (let end = 1; end <= SAMPLE_REPLY.length; end++) {
      const text = SAMPLE_REPLY.slice(0, end);
      const root = document.createElement('div');
      const renderer = new MarkdownRenderer(root);
      // Streamed in three updates cut at random places, then finished.
      const first = Math.floor(next() * end);
      const second = first + Math.floor(next() * (end - first));
      for (const cut of [first, second, end]) renderer.update(text.slice(0, cut), true);
      renderer.update(text, false);
      if (root.innerHTML !== oneShot(text, false)) mismatches.push(end);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('the work of one update', () => {
  it('keeps the elements of finished blocks and lexes only from the open block on', () => {
    // (Without the reference link used before its definition: when that arrives, everything renders again.)
    const reply = SAMPLE_REPLY.replace(' and [the ref][ref]', '').replace('[ref]: https://example.com/ref\n', '');
    const root = document.createElement('div');
    const renderer = new MarkdownRenderer(root);
    let text = '';
    let blocksKept = 0;
    for (const char of reply) {
      const before = [...root.children].slice(0, -1); // every block but the open one
      const lexedBefore = renderer.stats.lexedChars;
      const from = renderer.openBlockStart;
      text += char;
      renderer.update(text, true);
      const after = [...root.children];
      expect(after.slice(0, before.length)).toEqual(before);
      before.forEach((element, index) => expect(after[index]).toBe(element));
      blocksKept += before.length;
      // Lexed: at most the open block and the new text, twice (as written, and with its open markup closed, which adds
      // a few closing characters).
      expect(renderer.stats.lexedChars - lexedBefore).toBeLessThanOrEqual(2 * (text.length - from) + 8);
    }
    expect(reply).not.toContain('[ref]');
    expect(blocksKept).toBeGreaterThan(reply.length * 4); // the checks above did look at kept blocks
    expect(renderer.openBlockStart).toBe(openBlockStart(reply));
    expect(renderer.openBlockStart).toBeGreaterThan(reply.length * 0.9);
  });

  it('adds words ending in a space without parsing: shown in a paragraph, held back in a list item until the next word', () => {
    for (const [start, shown] of [
      ['Plain words, and', (text: string) => text],
      ['- a list item of', (text: string) => text.replace(/ +$/, '')],
    ] as const) {
      const root = document.createElement('div');
      const renderer = new MarkdownRenderer(root);
      let text = `${start} `;
      renderer.update(text, true); // renders, and sees what the block does with the space at its end
      const lexes = renderer.stats.lexes;
      for (const delta of ['more ', 'wor', 'ds h', 'ere ', 'and ', 'the']) {
        text += delta;
        renderer.update(text, true);
        expect(root.innerHTML).toBe(oneShot(text, true));
        expect(root.textContent?.trim().endsWith(shown(text).slice(-6).trim())).toBe(true);
      }
      expect(renderer.stats.lexes - lexes).toBe(0);
      expect(renderer.stats.appends).toBe(6);
    }
  });

  it('adds plain words to the open block without parsing anything', () => {
    const root = document.createElement('div');
    const renderer = new MarkdownRenderer(root);
    const words = ' The quick brown fox jumps over the “lazy” dog, again and again, it never tires! Does it?'.split(/(?= )/);
    let text = '**Story:** once upon a time';
    renderer.update(text, true);
    const lexes = renderer.stats.lexes;
    const paragraph = root.querySelector('p');
    for (const word of words) {
      text += word;
      renderer.update(text, true);
    }
    expect(renderer.stats.lexes - lexes).toBe(0);
    expect(renderer.stats.appends).toBe(words.length);
    expect(root.querySelector('p')).toBe(paragraph);
    expect(root.innerHTML).toBe(oneShot(text, true));
  });

  it('adds words to a table row shorter than its header, and to an open code span, without parsing', () => {
    const cases = [
      // The row has one cell of four so far: Marked pads it with empty cells, and the words go on in the first.
      { start: '| name | kind | size | note |\n| --- | --- | --- | --- |\n| bra', words: ['in', 'stor', 'm'] },
      // A code span whose closing backtick is still to come: what follows is code, spaces and brackets included.
      { start: 'Call `brain', words: ['Stor', 'm(', 'x, ', 'y)'] },
      { start: '| name | kind |\n| --- | --- |\n| a | `brai', words: ['nSto', 'rm'] },
    ];
    for (const { start, words } of cases) {
      const root = document.createElement('div');
      const renderer = new MarkdownRenderer(root);
      let text = start;
      renderer.update(text, true);
      const lexes = renderer.stats.lexes;
      for (const word of words) {
        text += word;
        renderer.update(text, true);
        expect(root.innerHTML, JSON.stringify(text)).toBe(oneShot(text, true));
      }
      expect(renderer.stats.lexes - lexes, start).toBe(0);
      expect(renderer.stats.appends, start).toBe(words.length);
    }
  });

  it('adds the lines of an open code block without parsing or highlighting them', () => {
    const root = document.createElement('div');
    const renderer = new MarkdownRenderer(root);
    let text = '```js\nconst a = 1;';
    renderer.update(text, true);
    const lexes = renderer.stats.lexes;
    for (const piece of ['\nconst', ' b = a', ' + 1;', '\nconsole', '.log(b);']) {
      text += piece;
      renderer.update(text, true);
    }
    expect(renderer.stats.lexes - lexes).toBe(0);
    expect(root.querySelector('code')?.textContent).toBe('const a = 1;\nconst b = a + 1;\nconsole.log(b);');
    expect(root.innerHTML).toBe(oneShot(text, true));
    text += '\n```';
    renderer.update(text, true);
    expect(root.querySelectorAll('code .hljs-keyword').length).toBeGreaterThan(0); // closed: highlighted
  });

  it('renders everything again when a link definition arrives that an earlier block uses', () => {
    const root = document.createElement('div');
    const renderer = new MarkdownRenderer(root);
    renderer.update('See [the docs][d].\n\nMore text.\n\n[d]: https://example.com/d', true);
    renderer.update('See [the docs][d].\n\nMore text.\n\n[d]: https://example.com/d\n\nBye', true);
    expect(root.querySelector('a')?.href).toBe('https://example.com/d');
    expect(root.textContent).not.toContain('[');
  });

  it('renders an edited text again, reusing the element of every block that did not change', () => {
    const root = document.createElement('div');
    const renderer = new MarkdownRenderer(root);
    renderer.update('# One\n\nTwo\n\n- three', false);
    const [one, two, three] = [...root.children];
    renderer.update('# One\n\nTwo, edited\n\n- three', false);
    expect(root.children[0]).toBe(one);
    expect(root.children[1]).not.toBe(two);
    expect(root.children[1]?.textContent?.trim()).toBe('Two, edited');
    expect(root.children[2]).toBe(three);
    expect(root.innerHTML).toBe(oneShot('# One\n\nTwo, edited\n\n- three', false));
  });
});

describe('the open block while it streams', () => {
  const streamed = (text: string): HTMLElement => {
    const root = document.createElement('div');
    new MarkdownRenderer(root).update(text, true);
    return root;
  };

  it('shows an unclosed code fence as a code block, without the backticks of a closing fence being typed', () => {
    for (const text of ['```python\nprint(1)', '```python\nprint(1)\n`', '```python\nprint(1)\n``']) {
      const root = streamed(text);
      expect(root.querySelector('pre > code')?.textContent).toBe('print(1)');
      expect(root.querySelector('.code-language')?.textContent).toBe('python');
      expect(root.textContent).not.toContain('`');
    }
  });

  it('shows open emphasis, code spans and links as they will look, never their markers', () => {
    expect(streamed('Some **bold').querySelector('strong')?.textContent).toBe('bold');
    expect(streamed('Some _em').querySelector('em')?.textContent).toBe('em');
    expect(streamed('Run `npm t').querySelector('code')?.textContent).toBe('npm t');
    expect(streamed('See [the guide](https://exa').textContent?.trim()).toBe('See the guide');
    for (const text of ['Some **bold', 'Some **', 'Run `npm t', 'See [the guide](https://exa']) {
      expect(streamed(text).textContent).not.toMatch(/[*`[\]]/);
    }
  });

  it('does not flash a heading or an empty bullet while a list item is being started', () => {
    const root = streamed('Options:\n-');
    expect(root.querySelector('h2')).toBeNull();
    expect(root.textContent?.trim()).toBe('Options:');
  });

  it('shows a displayed formula as its source until it is closed, then typesets it', () => {
    const open = streamed('$$\n\\frac{a}{b');
    expect(open.querySelector('.math-pending')?.textContent).toBe('\\frac{a}{b');
    expect(open.querySelector('.katex')).toBeNull();
    expect(streamed('$$\n\\frac{a}{b}\n$$').querySelector('.katex-display')).not.toBeNull();
  });

  it('records no user-timing entries unless the page asks for them (markdown-timing, see render-timing.test.ts)', () => {
    streamed('# Title\n\nSome **bold** words');
    expect(performance.getEntriesByName(MARKDOWN_MEASURE)).toEqual([]);
  });
});
