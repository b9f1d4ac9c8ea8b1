/**
 * Put `text` on the clipboard as plain text. The asynchronous Clipboard API first; where it is refused (an
 * embedder that denies the `clipboard-sanitized-write` permission, as the desktop app's permission handler does
 * today) the older `copy` command, which needs no permission inside a key press or click. Throws when neither worked.
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {
    if (!copyWithCommand(text)) throw error;
  }
}

function copyWithCommand(text: string): boolean {
  let copied = false;
  const oncopy = (event: ClipboardEvent): void => {
    if (!event.clipboardData) return;
    event.clipboardData.setData('text/plain', text);
    event.preventDefault();
    copied = true;
  };
  document.addEventListener('copy', oncopy, true);
  try {
    document.execCommand('copy');
  } catch {
    // refused: `copied` stays false
  } finally {
    document.removeEventListener('copy', oncopy, true);
  }
  return copied;
}
