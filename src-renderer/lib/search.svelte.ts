import type { AppClient } from '../../src-main/common/app-rpc';
import type { SearchResults } from '../../src-main/common/types';
import { describeError } from './errors';
import { searchDateBounds, type DateFilter } from './search-dates';

/** Wait after the last keystroke before searching, in ms. */
const DEBOUNCE_MS = 150;

/** The sidebar search: the query, optional filters (one conversation, a date range), and the latest results. */
export class SearchState {
  query = $state('');
  /** Search only the open conversation. */
  onlyOpen = $state(false);
  /** Search only messages written (and titles of conversations updated) within this time. */
  dateFilter = $state<DateFilter>('any');
  /** The custom range's first and last days (`YYYY-MM-DD`; empty: no bound), when `dateFilter` is `custom`. */
  customFrom = $state('');
  customTo = $state('');
  /** Why the custom range cannot be searched (it ends before it starts…); nothing is searched meanwhile. */
  rangeError = $state<string | null>(null);
  /** Results of the latest finished search; `null` when nothing is searched. */
  results = $state.raw<SearchResults | null>(null);
  searching = $state(false);
  /** Why the last search failed, in words. */
  error = $state<string | null>(null);

  readonly #client: AppClient;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #version = 0;

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** True while there is a query: the sidebar shows results instead of the list. */
  get active(): boolean {
    return this.query.trim() !== '';
  }

  /** Search again soon (after typing), in `conversationId` only when the filter is on. */
  schedule(conversationId: string | null): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.run(conversationId), DEBOUNCE_MS);
  }

  async run(conversationId: string | null): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const version = ++this.#version;
    const query = this.query.trim();
    if (query === '') {
      this.results = null;
      this.searching = false;
      this.error = null;
      return;
    }
    const dates = searchDateBounds(this.dateFilter, { from: this.customFrom, to: this.customTo }, Date.now());
    this.rangeError = dates.ok ? null : dates.error;
    if (!dates.ok) {
      this.results = null;
      this.searching = false;
      this.error = null;
      return;
    }
    this.searching = true;
    try {
      const filter = this.onlyOpen && conversationId !== null ? { conversationId } : {};
      const results = await this.#client.call('search.query', { query, limit: 50, ...filter, ...dates.bounds });
      if (version !== this.#version) return;
      this.results = filter.conversationId === undefined ? results : { ...results, conversations: [] };
      this.error = null;
    } catch (error) {
      if (version !== this.#version) return;
      const notice = describeError(error);
      this.error = notice.detail ?? notice.title;
    } finally {
      if (version === this.#version) this.searching = false;
    }
  }

  clear(): void {
    this.query = '';
    void this.run(null);
  }
}
