import { afterEach, describe, expect, it, vi } from 'vitest';
import { suggestedFileName } from '../../../src-renderer/lib/export-file-name';

// The file name the Export and import dialog suggests: dated for the whole history, else the conversation's title
// made safe for any file system.
describe('suggestedFileName', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dates a whole-history export', () => {
    vi.useFakeTimers({ now: new Date(2026, 2, 7, 12) });
    expect(suggestedFileName('all', 'ignored')).toBe('phi-desk-history-2026-03-07.json');
  });

  it('names one conversation after its title, JSON or Markdown', () => {
    expect(suggestedFileName('conversation', 'Trip to Oslo')).toBe('Trip to Oslo.json');
    expect(suggestedFileName('markdown', 'Trip to Oslo')).toBe('Trip to Oslo.md');
  });

  it('replaces characters a file system refuses, folds spaces and keeps at most 80 characters', () => {
    expect(suggestedFileName('conversation', ' a/b\\c:d*e?f"g<h>i|j\tk\nl ')).toBe('a b c d e f g h i j k l.json');
    expect(suggestedFileName('markdown', 'x'.repeat(200))).toBe(`${'x'.repeat(80)}.md`);
  });

  it('falls back to "conversation" when nothing of the title is left', () => {
    expect(suggestedFileName('conversation', null)).toBe('conversation.json');
    expect(suggestedFileName('markdown', ' /// ')).toBe('conversation.md');
  });
});
