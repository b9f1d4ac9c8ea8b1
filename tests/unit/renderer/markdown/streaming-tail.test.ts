import { describe, expect, it } from 'vitest';
import { closeStreamingBlock } from '../../../../src-renderer/lib/markdown/streaming-tail';

describe('the last block of a streaming reply, as it will look', () => {
  it.each([
    ['Some **bold', 'Some **bold**'],
    ['Some *em', 'Some *em*'],
    ['Some _em', 'Some _em_'],
    ['~~struck', '~~struck~~'],
    ['**bold and *em', '**bold and *em***'],
    ['**closed** and *open', '**closed** and *open*'],
    ['a `code span', 'a `code span`'],
    ['**bold `code', '**bold `code`**'],
    ['- item with **bold', '- item with **bold**'],
    ['# Heading *em', '# Heading *em*'],
    ['> quoted **bold', '> quoted **bold**'],
  ])('closes what is open: %j', (raw, source) => {
    expect(closeStreamingBlock(raw)).toEqual({ source, appendable: true, pendingMath: false });
  });

  it.each([
    ['2 * 3 = 6'],
    ['snake_case_name'],
    ['**done** and `done` and ~~done~~'],
    ['costs $5 and $10'],
    ['math $a_1 * b_2$ here'],
    ['~5 minutes'],
    ['plain text'],
  ])('leaves alone what is not open: %j', (raw) => {
    expect(closeStreamingBlock(raw)).toEqual({ source: raw, appendable: true, pendingMath: false });
  });

  it.each([
    ['Some **', 'Some '],
    ['Some text *', 'Some text '],
    ['a `', 'a '],
    ['**bold ', '**bold**'],
  ])('drops a delimiter that opens nothing yet, and spaces before a closer: %j', (raw, source) => {
    expect(closeStreamingBlock(raw)).toEqual({ source, appendable: false, pendingMath: false });
  });

  it.each([
    ['Intro:\n-', 'Intro:\n'],
    ['Intro:\n1.', 'Intro:\n'],
    ['- one\n- two\n-', '- one\n- two\n'],
    ['Some text\n|--', 'Some text\n'],
    ['Title\n===', 'Title\n'],
    ['#', ''],
    ['>', ''],
  ])('holds back a last line that is only a marker: %j', (raw, source) => {
    expect(closeStreamingBlock(raw)).toEqual({ source, appendable: false, pendingMath: false });
  });

  it('holds back a table header row until its delimiter row makes it a table', () => {
    expect(closeStreamingBlock('Compare:\n| Method | Returns').source).toBe('Compare:\n');
    expect(closeStreamingBlock('| Method | Returns |\n').source).toBe('');
    expect(closeStreamingBlock('| a | b |\n|---|-').source).toBe('');
    expect(closeStreamingBlock('| a | b |\n|---|---|').source).toBe(''); // a table with no row yet: wait for one
    expect(closeStreamingBlock('| a | b |\n|---|---|\n| 1 | 2').source).toBe('| a | b |\n|---|---|\n| 1 | 2');
  });

  it('shows a link whose address is still being written as its text', () => {
    expect(closeStreamingBlock('See [the guide](https://docs.pyth')).toEqual({
      source: 'See the guide',
      appendable: false,
      pendingMath: false,
    });
    expect(closeStreamingBlock('See ![a cat](https://exa').source).toBe('See a cat');
  });

  it('closes a displayed formula for now, to be shown as its source until its $$ comes', () => {
    expect(closeStreamingBlock('$$\n\\frac{a}{')).toEqual({ source: '$$\n\\frac{a}{\n$$', appendable: false, pendingMath: true });
    expect(closeStreamingBlock('$$\nx\n$$').pendingMath).toBe(false);
  });
});
