import type { Attachment } from 'svelte/attachments';

/** How close to the bottom (px) still counts as "at the bottom". */
const SLACK = 48;

/** Dispatch this (bubbling) event from inside the scroller to stop following the bottom, e.g. to show a message. */
export const UNPIN_EVENT = 'phi-unpin';

/**
 * Keeps a scrolling element at the bottom while its content grows (a streaming reply), unless the reader has
 * scrolled up to read something; scrolling back down re-attaches. `pin` is any value that changes when the view
 * should jump to the bottom regardless (e.g. a new reply starting); it is re-applied whenever it changes.
 *
 * The scroller's first element child is observed for size changes, so growth is caught after layout, once per
 * frame, however the content changed.
 */
export function stickToBottom(pin: unknown): Attachment<HTMLElement> {
  return (scroller) => {
    let pinned = Boolean(pin) || atBottom(scroller);
    const scrollDown = (): void => {
      scroller.scrollTop = scroller.scrollHeight;
    };
    if (pinned) scrollDown();
    const onScroll = (): void => {
      pinned = atBottom(scroller);
    };
    const onUnpin = (): void => {
      pinned = false;
    };
    const observer = new ResizeObserver(() => {
      if (pinned) scrollDown();
    });
    const content = scroller.firstElementChild;
    if (content) observer.observe(content);
    observer.observe(scroller);
    scroller.addEventListener('scroll', onScroll, { passive: true });
    scroller.addEventListener(UNPIN_EVENT, onUnpin);
    return () => {
      observer.disconnect();
      scroller.removeEventListener('scroll', onScroll);
      scroller.removeEventListener(UNPIN_EVENT, onUnpin);
    };
  };
}

function atBottom(element: HTMLElement): boolean {
  return element.scrollHeight - element.scrollTop - element.clientHeight <= SLACK;
}
