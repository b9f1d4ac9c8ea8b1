import type { PaintTarget } from '../probe-api';

/**
 * Finding what the user waits for, the way the user sees it: the element must be rendered, not hidden (a virtual
 * list keeps a row invisible until it has measured it) and at least partly inside its list's visible area.
 */

/** The list element of the messages or of the sidebar's conversations (by their accessible names). */
export function listElement(list: 'messages' | 'conversations'): HTMLElement | null {
  return list === 'messages'
    ? document.querySelector<HTMLElement>('ol[aria-label="Messages"]')
    : document.querySelector<HTMLElement>('nav[aria-label="Conversations"] ul[aria-label="Conversations"]');
}

/** The nearest ancestor that scrolls vertically. */
export function scrollParent(element: Element): HTMLElement | null {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if (overflow === 'auto' || overflow === 'scroll') return node;
  }
  return null;
}

/** The rows of a list in the page (`li` children: message rows, or the sidebar's conversations and headings). */
export function rowCount(list: HTMLElement): number {
  return list.querySelectorAll(':scope > li').length;
}

/** Whether `target` is shown now. */
export function isShown(target: PaintTarget): boolean {
  const element = target.kind === 'message' ? messageRow(target.number) : conversationButton(target.title);
  if (!element) return false;
  if (target.kind === 'message') {
    if (target.highlighted && element.dataset.highlighted !== 'true') return false;
    if ((element.querySelector('.markdown')?.childElementCount ?? 0) === 0) return false; // not rendered yet
  }
  return visible(element);
}

/** The list item of message `number` (its text starts `Message <number>.`), if it is in the page. */
function messageRow(number: number): HTMLElement | null {
  const list = listElement('messages');
  const prefix = `Message ${number}.`;
  for (const item of list?.querySelectorAll<HTMLElement>(':scope > li[data-message-id]') ?? []) {
    if (item.querySelector('.text')?.textContent?.trimStart().startsWith(prefix)) return item;
  }
  return null;
}

function conversationButton(title: string): HTMLElement | null {
  const list = listElement('conversations');
  for (const button of list?.querySelectorAll<HTMLElement>('button.conversation') ?? []) {
    if (button.textContent?.trim() === title) return button;
  }
  return null;
}

/** Rendered, not hidden, and at least partly inside its scrolling area. */
function visible(element: HTMLElement): boolean {
  // (Visibility is inherited: a row the virtual list hides hides its contents.)
  if (getComputedStyle(element).visibility === 'hidden') return false;
  const rect = element.getBoundingClientRect();
  if (rect.height === 0) return false;
  const area = scrollParent(element)?.getBoundingClientRect();
  return !area || (rect.bottom > area.top + 1 && rect.top < area.bottom - 1);
}
