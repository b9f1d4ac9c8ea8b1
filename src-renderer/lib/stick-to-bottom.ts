import type { Attachment } from 'svelte/attachments';

/** How close to the bottom (px) still counts as "at the bottom". */
const SLACK = 48;

/** Keys that scroll a focused scroller up. */
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);

/** Dispatch this (bubbling) event from inside the scroller to stop following the bottom, e.g. to show a message. */
export const UNPIN_EVENT = 'phi-unpin';

/**
 * Keeps a scrolling element at the bottom while its content grows (a streaming reply, rows of a virtual list being
 * measured), unless the reader has scrolled up to read something; scrolling back down to the bottom re-attaches.
 * `pin` is any value that changes when the view should jump to the bottom regardless (e.g. a new reply starting);
 * it is re-applied whenever it changes. While `enabled()` is false (the list shows a window of older messages that
 * does not reach the newest, and grows at the bottom as pages load), it does nothing.
 *
 * Only the reader's own scrolling lets go of the bottom — a wheel or touch moving up, an up key, dragging the
 * scrollbar, a jump up by more than half a screen — never a small move as such: a virtual list moves `scrollTop`
 * itself as it measures rows, and that must not be mistaken for the reader scrolling away.
 *
 * The scroller's first element child is observed for size changes, so growth is caught after layout, once per
 * frame, however the content changed.
 */
export function stickToBottom(pin: unknown, enabled: () => boolean = () => true): Attachment<HTMLElement> {
  return (scroller) => {
    let pinned = enabled() && (Boolean(pin) || atBottom(scroller));
    let lastTop = scroller.scrollTop;
    /** True while a pointer is down on the scroller (dragging its scrollbar). */
    let dragging = false;
    const scrollDown = (): void => {
      scroller.scrollTop = scroller.scrollHeight;
    };
    if (pinned) scrollDown();
    const letGo = (): void => {
      pinned = false;
    };
    const onScroll = (): void => {
      const top = scroller.scrollTop;
      const jumpedUp = lastTop - top > scroller.clientHeight / 2;
      lastTop = top;
      if (!enabled()) pinned = false;
      else if (atBottom(scroller)) pinned = true;
      else if (dragging || jumpedUp) pinned = false;
    };
    const onWheel = (event: WheelEvent): void => {
      if (event.deltaY < 0) letGo();
    };
    const onKeydown = (event: KeyboardEvent): void => {
      if (UP_KEYS.has(event.key)) letGo();
    };
    const onPointerDown = (): void => {
      dragging = true;
    };
    const onPointerUp = (): void => {
      dragging = false;
    };
    const observer = new ResizeObserver(() => {
      if (pinned && enabled()) scrollDown();
      lastTop = scroller.scrollTop;
    });
    const content = scroller.firstElementChild;
    if (content) observer.observe(content);
    observer.observe(scroller);
    const listeners: [string, EventListener][] = [
      ['scroll', onScroll as EventListener],
      ['wheel', onWheel as EventListener],
      ['touchmove', letGo],
      ['keydown', onKeydown as EventListener],
      ['pointerdown', onPointerDown],
      [UNPIN_EVENT, letGo],
    ];
    for (const [type, listener] of listeners) scroller.addEventListener(type, listener, { passive: true });
    window.addEventListener('pointerup', onPointerUp);
    return () => {
      observer.disconnect();
      for (const [type, listener] of listeners) scroller.removeEventListener(type, listener);
      window.removeEventListener('pointerup', onPointerUp);
    };
  };
}

function atBottom(element: HTMLElement): boolean {
  return element.scrollHeight - element.scrollTop - element.clientHeight <= SLACK;
}
