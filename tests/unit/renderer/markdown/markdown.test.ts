// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MarkdownRenderer } from '../../../../src-renderer/lib/markdown/incremental-renderer';

/** Render `text` as a finished message. */
function render(text: string): HTMLElement {
  const root = document.createElement('div');
  new MarkdownRenderer(root).update(text, false);
  document.body.append(root);
  return root;
}

afterEach(() => {
  document.body.replaceChildren();
  vi.unstubAllGlobals();
});

describe('Markdown in messages', () => {
  it('renders GitHub-flavoured Markdown: headings, emphasis, lists, task lists, quotes, tables, rules, line breaks', () => {
    const root = render(
      '# Title\n\n## Sub\n\nSome **bold**, *em*, ~~gone~~ and `code`.\nA second line.\n\n- a\n- b\n  1. nested\n\n' +
        '- [x] done\n- [ ] todo\n\n> quoted\n\n| A | B |\n|---|--:|\n| 1 | 2 |\n\n---',
    );
    expect(root.querySelector('h1')?.textContent).toBe('Title');
    expect(root.querySelector('h2')?.textContent).toBe('Sub');
    expect(root.querySelector('strong')?.textContent).toBe('bold');
    expect(root.querySelector('em')?.textContent).toBe('em');
    expect(root.querySelector('del')?.textContent).toBe('gone');
    expect(root.querySelector('p > code')?.textContent).toBe('code');
    expect(root.querySelector('p br')).not.toBeNull(); // the writer's line break
    expect(root.querySelectorAll('ul > li').length).toBe(4);
    expect(root.querySelector('ul ol > li')?.textContent).toBe('nested');
    expect([...root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].map((box) => [box.checked, box.disabled])).toEqual([
      [true, true],
      [false, true],
    ]);
    expect(root.querySelector('blockquote')?.textContent?.trim()).toBe('quoted');
    expect([...root.querySelectorAll('th, td')].map((cell) => cell.textContent)).toEqual(['A', 'B', '1', '2']);
    expect(root.querySelector('td[align="right"]')?.textContent).toBe('2');
    expect(root.querySelector('hr')).not.toBeNull();
  });

  it('shows raw HTML as the text it is', () => {
    const root = render('Say <b>hi</b> & <i>bye</i>\n\n<div class="x">block</div>');
    expect(root.querySelector('b, i, div.x')).toBeNull();
    expect(root.textContent).toContain('Say <b>hi</b> & <i>bye</i>');
    expect(root.textContent).toContain('<div class="x">block</div>');
  });

  it.each([
    ['<img src=x onerror=alert(1)>'],
    ['<script>alert(1)</script>'],
    ['<iframe src="javascript:alert(1)"></iframe>'],
    ['<svg onload=alert(1)><circle r=1 /></svg>'],
    ['<a href="javascript:alert(1)">x</a>'],
    ['<object data="x"></object><embed src="x"><form><input name=a></form><style>*{color:red}</style>'],
    ['[x](javascript:alert(1))'],
    ['[x](JaVaScRiPt:alert(1))'],
    ['[x]( javascript:alert(1) )'],
    ['[x](java&#x09;script:alert(1))'],
    ['[x](vbscript:msgbox(1))'],
    ['[x](data:text/html,<script>alert(1)</script>)'],
    ['[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['![x](javascript:alert(1))'],
    ['![x](data:image/png;base64,iVBORw0KGgo=)'],
    ['<javascript:alert(1)>'],
    ['[x](/app/navigate) and [y](#top) and [z](//evil.example/path)'],
    ['[x]: javascript:alert(1)\n\n[link][x]'],
    ['$\\href{javascript:alert(1)}{x}$ and $\\url{javascript:alert(1)}$'],
  ])('renders %j inert', (payload) => {
    const root = render(payload);
    expect(root.querySelector('script, iframe, object, embed, form, style, img, link, meta, base')).toBeNull();
    for (const element of root.querySelectorAll('*')) {
      for (const attribute of element.attributes) {
        expect(attribute.name).not.toMatch(/^on/i);
        expect(attribute.value).not.toMatch(/^\s*(javascript|vbscript|data):/i);
      }
      if (element.tagName === 'svg') expect(element.closest('.katex')).not.toBeNull(); // KaTeX draws with SVG
    }
    for (const link of root.querySelectorAll('a')) {
      expect(['http:', 'https:', 'mailto:']).toContain(new URL(link.href).protocol);
    }
  });

  it('opens web and mail links outside the app, with no way back to it', () => {
    const root = render('[docs](https://example.com/docs) <http://example.org> mail [me](mailto:me@example.com) www.example.net');
    const links = [...root.querySelectorAll('a')];
    expect(links.map((link) => link.href)).toEqual([
      'https://example.com/docs',
      'http://example.org/',
      'mailto:me@example.com',
      'http://www.example.net/',
    ]);
    for (const link of links) {
      expect(link.target).toBe('_blank');
      expect(link.rel).toBe('noopener noreferrer');
      expect(link.title).toBe(link.href); // where it goes, on hover
    }
  });

  it('never loads a picture: it is shown as a link to it, by its description', () => {
    const root = render('![a cat](https://example.com/cat.png) and ![](https://example.com/x.png)');
    expect(root.querySelector('img')).toBeNull();
    expect([...root.querySelectorAll('a')].map((link) => [link.textContent, link.href])).toEqual([
      ['a cat', 'https://example.com/cat.png'],
      ['image', 'https://example.com/x.png'],
    ]);
  });
});

describe('code blocks', () => {
  it('highlights by the fence language, with a label and a Copy button', () => {
    const root = render('```py\ndef f(x):\n    return x  # <script>\n```');
    const code = root.querySelector('pre > code');
    expect(code?.classList.contains('hljs')).toBe(true);
    expect(code?.classList.contains('language-python')).toBe(true);
    expect(code?.querySelector('.hljs-keyword')?.textContent).toBe('def');
    expect(code?.textContent).toBe('def f(x):\n    return x  # <script>');
    expect(root.querySelector('script')).toBeNull();
    expect(root.querySelector('.code-language')?.textContent).toBe('python');
    const button = root.querySelector('button.copy-code');
    expect(button?.textContent).toBe('Copy code');
    expect(button?.getAttribute('title')).toBe('Copy code');
  });

  it('guesses the language of a block without one, and leaves prose or an unknown language plain', () => {
    const guessed = render('```\n#include <stdio.h>\nint main(void) { printf("hi"); return 0; }\n```');
    expect(guessed.querySelector('code')?.className).toBe('hljs language-cpp');
    expect(guessed.querySelector('.code-language')?.textContent).toBe('cpp');
    expect(render('```\n{"a": [1, 2], "b": null}\n```').querySelector('code')?.className).toBe('hljs language-json');
    const prose = render('```\nplain words here\n```');
    expect(prose.querySelector('code')?.className).toBe('hljs');
    expect(prose.querySelector('.code-language')?.textContent).toBe('text');
    const unknown = render('```brainfuck\n+[-->-[>>+>-----<<]<--<---]>-.\n```');
    expect(unknown.querySelector('.code-language')?.textContent).toBe('brainfuck');
    expect(unknown.querySelector('code')?.textContent).toBe('+[-->-[>>+>-----<<]<--<---]>-.');
    expect(unknown.querySelector('code span')).toBeNull();
  });

  it('copies exactly the code, and says so on the button for a moment', async () => {
    vi.useFakeTimers();
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    const code = 'const a = "x";\n  if (a < 2) {}\n\ttabbed';
    const root = render(`Before\n\n\`\`\`js\n${code}\n\`\`\`\n\nAfter\n\n\`\`\`\nsecond\n\`\`\``);
    const [first] = root.querySelectorAll<HTMLButtonElement>('button.copy-code');
    first?.click();
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith(code));
    expect(writeText).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(first?.textContent).toBe('Copied'));
    vi.advanceTimersByTime(2500);
    expect(first?.textContent).toBe('Copy code');
    vi.useRealTimers();
  });
});

describe('math', () => {
  it('typesets $…$ inline and $$…$$ displayed, with KaTeX, as DOM', () => {
    const root = render('Area $\\pi r^2$ here.\n\n$$\n\\int_0^1 x\\,dx = \\tfrac12\n$$\n\nAnd $$a+b$$ inline.');
    const inline = root.querySelector('p .math-inline .katex');
    expect(inline?.querySelector('annotation')?.textContent).toBe('\\pi r^2');
    const displays = root.querySelectorAll('.katex-display');
    expect(displays.length).toBe(2);
    expect(displays[0]?.querySelector('annotation')?.textContent).toBe('\\int_0^1 x\\,dx = \\tfrac12');
    expect(root.querySelector('p .math-display .katex-display annotation')?.textContent).toBe('a+b');
  });

  it('leaves prices, spaced dollars, code spans and escaped dollars as text', () => {
    for (const text of ['It costs $5 and $10.', 'Between $5-$10 a day', 'Pay $ 5 or 6 $ please', 'a `$x$` span', 'escaped \\$x\\$']) {
      const root = render(text);
      expect(root.querySelector('.katex')).toBeNull();
      expect(root.textContent).toContain('$');
    }
  });

  it('shows a formula KaTeX cannot read as its source, without breaking the message', () => {
    const root = render('Bad $\\frac{1}{$ formula, then **bold**.');
    expect(root.querySelector('.katex-error')?.textContent).toBe('\\frac{1}{');
    expect(root.querySelector('strong')?.textContent).toBe('bold');
  });
});
