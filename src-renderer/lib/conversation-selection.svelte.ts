import { SvelteSet } from 'svelte/reactivity';

/**
 * The sidebar's multi-selection, for exporting several conversations at once: Ctrl/Cmd-click toggles one, Shift-click
 * takes the run from the last one clicked (the anchor) in the order the list shows, and "Select" mode shows a
 * checkbox on every row (for touch, and for keyboard users, who tick them with Space). Selecting never opens a
 * conversation. Ids no longer listed (deleted, archived away) drop out by themselves through {@link keepOnly}.
 */
export class ConversationSelection {
  /** The selected conversations' ids. */
  readonly ids = new SvelteSet<string>();
  /** "Select" mode: every row shows its checkbox. */
  selecting = $state(false);
  /** Where a Shift-click's run starts. */
  #anchor: string | null = null;

  get count(): number {
    return this.ids.size;
  }

  /** True while the rows show checkboxes: in Select mode, or once something is selected. */
  get active(): boolean {
    return this.selecting || this.ids.size > 0;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Add or remove one conversation (Ctrl/Cmd-click, a row's checkbox); it becomes the anchor. */
  toggle(id: string): void {
    if (!this.ids.delete(id)) this.ids.add(id);
    this.#anchor = id;
  }

  /**
   * Shift-click: select every conversation from the anchor to `id` in `order` (the list as shown), keeping what was
   * already selected. Without an anchor, just `id`.
   */
  extendTo(id: string, order: readonly string[]): void {
    const from = this.#anchor === null ? -1 : order.indexOf(this.#anchor);
    const to = order.indexOf(id);
    if (from === -1 || to === -1) {
      this.toggle(id);
      return;
    }
    for (let at = Math.min(from, to); at <= Math.max(from, to); at++) this.ids.add(order[at]!);
  }

  /** Select every conversation in `order`. */
  selectAll(order: readonly string[]): void {
    for (const id of order) this.ids.add(id);
  }

  /** Leave Select mode and select nothing. */
  clear(): void {
    this.ids.clear();
    this.selecting = false;
    this.#anchor = null;
  }

  /** Forget selected ids that are not in `listed` (deleted, or moved out of the view). */
  keepOnly(listed: ReadonlySet<string>): void {
    for (const id of [...this.ids]) if (!listed.has(id)) this.ids.delete(id);
  }

  /** The selected ids in `order` (the list's order). */
  ordered(order: readonly string[]): string[] {
    return order.filter((id) => this.ids.has(id));
  }
}
