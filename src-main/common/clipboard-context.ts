import { MAX_CLIPBOARD_CONTEXT_LENGTH } from './schemas';

/**
 * Clipboard text as the quick prompt attaches it, whoever read it (the desktop app's main process, or the page in a
 * browser): `null` when there is nothing but whitespace; cut to {@link MAX_CLIPBOARD_CONTEXT_LENGTH} characters (never
 * inside a surrogate pair), with `truncated` set, since more could never fit Phi-2's window.
 */
export function clipContext(text: string | null): { text: string | null; truncated: boolean } {
  if (text === null || text.trim() === '') return { text: null, truncated: false };
  if (text.length <= MAX_CLIPBOARD_CONTEXT_LENGTH) return { text, truncated: false };
  let end = MAX_CLIPBOARD_CONTEXT_LENGTH;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), truncated: true };
}
