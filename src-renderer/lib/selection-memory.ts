import type { SelectionMemory } from './chat.svelte';

const PATTERN = /^#conversation=([A-Za-z0-9_-]{1,64})$/;

/**
 * Keeps the open conversation in the URL's hash (`#conversation=<id>`), so reloading the window reopens it. The
 * query string (which carries the browser host's token) is left alone, and no history entries are added.
 */
export const hashSelectionMemory: SelectionMemory = {
  read() {
    return PATTERN.exec(window.location.hash)?.[1] ?? null;
  },
  write(conversationId) {
    const url = new URL(window.location.href);
    url.hash = conversationId === null ? '' : `conversation=${conversationId}`;
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url);
  },
};
