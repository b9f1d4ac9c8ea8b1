/** The extensions of the files an export writes. */
export type ExportExtension = 'json' | 'md' | 'html' | 'zip';

/**
 * A file name for an export: `phi-desk-history-<date>.<ext>` for several conversations (`title` null), else the
 * conversation's title made safe for any file system. The date is the local day (`Date.now()` by default).
 */
export function exportFileName(extension: ExportExtension, title: string | null, now: number = Date.now()): string {
  if (title === null) {
    // en-CA writes dates as YYYY-MM-DD.
    const date = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    return `phi-desk-history-${date}.${extension}`;
  }
  return `${safeFileTitle(title) || 'conversation'}.${extension}`;
}

/**
 * `title` as part of a file name: characters some file system refuses (controls, `\ / : * ? " < > |`) become spaces,
 * runs of spaces fold into one, at most `length` characters. May be empty.
 */
export function safeFileTitle(title: string, length = 80): string {
  return [...title]
    .map((char) => (char < ' ' || '\\/:*?"<>|'.includes(char) ? ' ' : char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, length)
    .trim();
}
