import { copyText } from '../copy-text';
import { createIcon } from '../icons';

/**
 * The frame around a code block: a header with the language and a Copy button, built by script around the
 * sanitised `<pre><code>` (never through HTML, so nothing a reply writes can pose as it). Clicks are handled once,
 * on the message's root ({@link onCodeBlockClick}), so memoised blocks need no listeners of their own.
 */

/** Marks what is the app's, not the message's: left out of the message's plain text. */
export const CHROME_ATTRIBUTE = 'data-md-chrome';
/** How long "Copied" shows on the button. */
const COPIED_FOR_MS = 2000;

/** Wrap each `<pre><code>` under `root` in its frame. */
export function addCodeBlockFrames(root: ParentNode): void {
  for (const code of root.querySelectorAll<HTMLElement>('pre > code')) {
    const pre = code.parentElement;
    if (!pre || pre.parentElement?.classList.contains('code-block')) continue;
    const frame = document.createElement('div');
    frame.className = 'code-block';
    pre.replaceWith(frame);
    frame.append(codeHeader(code.dataset.language || 'text'), pre);
  }
}

function codeHeader(language: string): HTMLElement {
  const header = document.createElement('div');
  header.className = 'code-header';
  header.setAttribute(CHROME_ATTRIBUTE, '');
  const label = document.createElement('span');
  label.className = 'code-language';
  label.textContent = language;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy-code quiet';
  button.title = 'Copy code';
  setCopyButton(button, false);
  header.append(label, button);
  return header;
}

/** The button's face: "Copy" (named "Copy code"), or "Copied" for a moment after a copy. */
function setCopyButton(button: HTMLButtonElement, copied: boolean): void {
  const text = document.createElement('span');
  text.textContent = copied ? 'Copied' : 'Copy';
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = copied ? '' : ' code';
  button.replaceChildren(createIcon(copied ? 'check' : 'copy'), text, hidden);
}

const resetTimers = new WeakMap<HTMLButtonElement, ReturnType<typeof setTimeout>>();

/**
 * Handle a click anywhere in rendered Markdown: a code block's Copy button puts exactly that block's code on the
 * clipboard (its text, not the header's). Returns the copy's promise when the click was on one, else `null`.
 */
export function onCodeBlockClick(event: MouseEvent): Promise<void> | null {
  const target = event.target instanceof Element ? event.target : null;
  const button = target?.closest<HTMLButtonElement>('button.copy-code');
  const code = button?.closest('.code-block')?.querySelector('pre > code');
  if (!button || !code) return null;
  return copyText(code.textContent ?? '').then(
    () => {
      setCopyButton(button, true);
      clearTimeout(resetTimers.get(button));
      resetTimers.set(
        button,
        setTimeout(() => setCopyButton(button, false), COPIED_FOR_MS),
      );
    },
    () => {
      button.title = 'The code could not be copied';
    },
  );
}
