// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { MarkdownRenderer } from '../../../../src-renderer/lib/markdown/incremental-renderer';
import { plainText } from '../../../../src-renderer/lib/markdown/plain-text';

function plainTextOf(markdown: string): string {
  const root = document.createElement('div');
  new MarkdownRenderer(root).update(markdown, false);
  return plainText(root);
}

describe('a message as plain text', () => {
  it('drops the markup and keeps the text, one block per paragraph', () => {
    expect(plainTextOf('# Title\n\nSome **bold**, *em* and `code`.\nNext line, [a link](https://example.com).\n\n> quoted')).toBe(
      'Title\n\nSome bold, em and code.\nNext line, a link.\n\nquoted',
    );
  });

  it('puts list items and table rows on lines of their own', () => {
    expect(plainTextOf('1. one\n2. two\n   - nested\n\n- [x] done\n- [ ] todo\n\n| A | B |\n|---|---|\n| 1 | 2 |')).toBe(
      '1. one\n2. two\n   • nested\n\n• ☑ done\n• ☐ todo\n\nA\tB\n1\t2',
    );
  });

  it('keeps code exactly as written and leaves out the code block’s label and Copy button', () => {
    expect(plainTextOf('Run:\n\n```python\nif x:\n    print("<b>")\n```\n\nDone.')).toBe('Run:\n\nif x:\n    print("<b>")\n\nDone.');
  });

  it('gives a formula as its TeX', () => {
    expect(plainTextOf('Area $\\pi r^2$.\n\n$$\nE = mc^2\n$$')).toBe('Area \\pi r^2.\n\nE = mc^2');
  });

  it('shows raw HTML as the characters written', () => {
    expect(plainTextOf('<b>not bold</b> & "quoted"')).toBe('<b>not bold</b> & "quoted"');
  });
});
