import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportFileName, safeFileTitle } from '../../../src-main/common/export-file-name';

// The file name an export suggests (the window's save dialog, a download, the CLI): dated for several
// conversations, else the conversation's title made safe for any file system.
describe('exportFileName', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dates an export of several conversations, in any format', () => {
    vi.useFakeTimers({ now: new Date(2026, 2, 7, 12) });
    expect(exportFileName('json', null)).toBe('phi-desk-history-2026-03-07.json');
    expect(exportFileName('zip', null)).toBe('phi-desk-history-2026-03-07.zip');
    expect(exportFileName('html', null, new Date(2025, 11, 31, 23).getTime())).toBe('phi-desk-history-2025-12-31.html');
  });

  it('names one conversation after its title', () => {
    expect(exportFileName('json', 'Trip to Oslo')).toBe('Trip to Oslo.json');
    expect(exportFileName('md', 'Trip to Oslo')).toBe('Trip to Oslo.md');
    expect(exportFileName('html', 'Trip to Oslo')).toBe('Trip to Oslo.html');
  });

  it('replaces characters a file system refuses, folds spaces and keeps at most 80 characters', () => {
    expect(exportFileName('json', ' a/b\\c:d*e?f"g<h>i|j\tk\nl ')).toBe('a b c d e f g h i j k l.json');
    expect(exportFileName('md', 'x'.repeat(200))).toBe(`${'x'.repeat(80)}.md`);
    expect(safeFileTitle('Über   café: “naïve”', 40)).toBe('Über café “naïve”');
  });

  it('falls back to "conversation" when nothing of the title is left', () => {
    expect(exportFileName('json', '')).toBe('conversation.json');
    expect(exportFileName('md', ' /// ')).toBe('conversation.md');
  });
});
