/** Where the sidebar's width is remembered (this window's origin only; nothing leaves the machine). */
export const SIDEBAR_WIDTH_KEY = 'phi-desk.sidebar-width';
/** Narrowest, default and widest sidebar, in CSS pixels: wide enough for a title, never crowding out the chat. */
export const SIDEBAR_MIN = 224;
export const SIDEBAR_DEFAULT = 304;
export const SIDEBAR_MAX = 560;
/** One arrow-key step of the splitter; with Shift, four. */
export const SIDEBAR_STEP = 16;

/** The part of `localStorage` this needs (tests pass a map; storage may also be unavailable or full). */
export type WidthStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** A width within the bounds, in whole pixels. */
export function clampWidth(width: number): number {
  if (!Number.isFinite(width)) return SIDEBAR_DEFAULT;
  return Math.round(Math.min(SIDEBAR_MAX, Math.max(SIDEBAR_MIN, width)));
}

/**
 * The sidebar's width, set by dragging or with the keys of its splitter, and remembered across reloads. A stored
 * value that is missing, unreadable or out of bounds gives the default (or the nearest bound).
 */
export class SidebarWidth {
  value = $state(SIDEBAR_DEFAULT);
  readonly #storage: WidthStorage | null;

  constructor(storage: WidthStorage | null = safeLocalStorage()) {
    this.#storage = storage;
    const stored = readStored(storage);
    if (stored !== null) this.value = clampWidth(stored);
  }

  /** Show this width now (while dragging); call {@link save} when the drag ends. */
  preview(width: number): void {
    this.value = clampWidth(width);
  }

  /** Set and remember a width. */
  set(width: number): void {
    this.value = clampWidth(width);
    this.save();
  }

  /** Remember the width shown. A full or blocked storage only means it is not remembered. */
  save(): void {
    try {
      this.#storage?.setItem(SIDEBAR_WIDTH_KEY, String(this.value));
    } catch {
      // Not remembered; the width still applies to this window.
    }
  }
}

function readStored(storage: WidthStorage | null): number | null {
  try {
    const text = storage?.getItem(SIDEBAR_WIDTH_KEY);
    if (text === null || text === undefined || text.trim() === '') return null;
    const width = Number(text);
    return Number.isFinite(width) ? width : null;
  } catch {
    return null;
  }
}

/** `localStorage`, or `null` where touching it throws (storage disabled). */
function safeLocalStorage(): WidthStorage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
