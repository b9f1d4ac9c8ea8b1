import { tick } from 'svelte';
import type { Attachment } from 'svelte/attachments';

/** Start fetching older messages when the reader is this close (px) to the top. */
const NEAR_TOP = 600;

/**
 * Run `load` (which prepends older messages) without moving what the reader sees: the first message in view keeps
 * its place on screen. Resolves with what `load` resolved.
 */
export async function prependKeepingPlace(scroller: HTMLElement, load: () => Promise<boolean>): Promise<boolean> {
  const anchor = firstInView(scroller);
  const before = anchor?.getBoundingClientRect().top ?? 0;
  const loaded = await load();
  if (loaded && anchor) {
    await tick();
    if (anchor.isConnected) scroller.scrollTop += anchor.getBoundingClientRect().top - before;
  }
  return loaded;
}

/**
 * Fetches older messages as the reader scrolls near the top of `scroller`, keeping the view still (see
 * {@link prependKeepingPlace}). `hasOlder` says whether there is anything older to fetch.
 */
export function loadOlderOnScroll(hasOlder: () => boolean, load: () => Promise<boolean>): Attachment<HTMLElement> {
  return (scroller) => {
    let busy = false;
    const check = async (): Promise<void> => {
      if (busy || !hasOlder() || scroller.scrollTop > NEAR_TOP) return;
      busy = true;
      try {
        await prependKeepingPlace(scroller, load);
      } finally {
        busy = false;
      }
    };
    const onScroll = (): void => void check();
    scroller.addEventListener('scroll', onScroll, { passive: true });
    return () => scroller.removeEventListener('scroll', onScroll);
  };
}

/** The first message (list item) whose bottom is below the scroller's top edge. */
function firstInView(scroller: HTMLElement): HTMLElement | null {
  const top = scroller.getBoundingClientRect().top;
  for (const item of scroller.querySelectorAll<HTMLElement>('ol > li')) {
    if (item.getBoundingClientRect().bottom > top) return item;
  }
  return null;
}
