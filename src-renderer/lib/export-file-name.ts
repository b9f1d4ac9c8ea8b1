/** What to export: the whole history, one conversation (importable), or one conversation's branch as Markdown. */
export type ExportChoice = 'all' | 'conversation' | 'markdown';

/** A file name for an export: `phi-desk-history-<date>.json`, or the conversation's title. */
export function suggestedFileName(choice: ExportChoice, title: string | null): string {
  // en-CA writes dates as YYYY-MM-DD.
  const date = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
  if (choice === 'all') return `phi-desk-history-${date}.json`;
  const safe = [...(title ?? '')]
    .map((char) => (char < ' ' || '\\/:*?"<>|'.includes(char) ? ' ' : char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return `${safe || 'conversation'}.${choice === 'markdown' ? 'md' : 'json'}`;
}
