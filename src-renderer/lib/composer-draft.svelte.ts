import { MAX_MESSAGE_LENGTH } from '../../src-main/common/schemas';
import type { Draft } from '../../src-main/common/types';
import { describeError } from './errors';

/** While the text changes, at most one save per this many ms (the latest text is always saved last). */
export const DRAFT_SAVE_INTERVAL_MS = 300;

/** How the window reads and saves drafts (`drafts.get`, `drafts.save`). */
export interface DraftApi {
  load(conversationId: string | null): Promise<Draft>;
  save(conversationId: string | null, text: string, fullLength: number | null): Promise<unknown>;
}

/** Drafts that are never kept: each conversation starts with an empty box (the quick-prompt popup). */
export const UNSAVED_DRAFTS: DraftApi = {
  load: (conversationId) => Promise.resolve({ conversationId, text: '', fullLength: null, savedAt: null }),
  save: () => Promise.resolve(),
};

/**
 * The composer's text, one draft per conversation (and one for the new chat), kept by the app so that it survives a
 * reload and a restart (`drafts.get` / `drafts.save`):
 * - opening another conversation (`show`) saves the text at once and brings that conversation's draft; text typed
 *   before it arrives wins over it;
 * - while the text changes it is saved at most once per `intervalMs`, the latest text last, one save at a time;
 * - a text longer than a message may be (`MAX_MESSAGE_LENGTH`) stays in the box whole (`excess` says by how much),
 *   but only its first `MAX_MESSAGE_LENGTH` characters can be saved: the draft records its full length, and the
 *   window says so, now and after a reload (`keptOf`).
 */
export class ComposerDraft {
  #text = $state('');
  /** The shown draft was saved cut to the limit: the length it had; `null` otherwise. */
  #keptOf = $state<number | null>(null);
  /** Why the last save failed, in words; `null` when it succeeded (or nothing was saved yet). */
  saveError = $state<string | null>(null);

  /** Whose draft the text is; `undefined` until the first `show`. */
  #owner: string | null | undefined = undefined;
  /** Counts the user's edits, so a draft arriving after the user typed does not replace what they typed. */
  #edits = 0;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The saves, one after another. */
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: DraftApi,
    private readonly intervalMs = DRAFT_SAVE_INTERVAL_MS,
  ) {}

  /** The text in the box. Setting it is the user's edit: it is saved soon. */
  get text(): string {
    return this.#text;
  }
  set text(value: string) {
    if (value === this.#text) return;
    this.#text = value;
    this.#keptOf = null;
    this.#edits++;
    this.#dirty = true;
    this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Characters beyond what a message may have (0 when the text fits). */
  get excess(): number {
    return Math.max(0, this.#text.length - MAX_MESSAGE_LENGTH);
  }

  /** When the draft shown was saved cut to the limit (before a reload): how long it was; `null` otherwise. */
  get keptOf(): number | null {
    return this.#keptOf;
  }

  /** Show the draft of `conversationId` (`null`: the new chat), after saving the one shown now. */
  show(conversationId: string | null): void {
    if (conversationId === this.#owner) return;
    void this.flush();
    this.#owner = conversationId;
    this.#text = '';
    this.#keptOf = null;
    this.saveError = null;
    const edits = this.#edits;
    this.api.load(conversationId).then(
      (draft) => {
        if (this.#owner !== conversationId || this.#edits !== edits) return; // moved on, or typed meanwhile
        this.#text = draft.text;
        this.#keptOf = draft.fullLength;
      },
      () => undefined, // no draft shown; the next save still works
    );
  }

  /** Save the text now if it changed (switching conversations, the page going away). Resolves once saved. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty || this.#owner === undefined) return this.#saving;
    this.#dirty = false;
    const owner = this.#owner;
    const text = this.#text;
    const fits = text.length <= MAX_MESSAGE_LENGTH;
    const kept = fits ? text : startOf(text, MAX_MESSAGE_LENGTH);
    this.#saving = this.#saving
      .then(() => this.api.save(owner, kept, fits ? null : text.length))
      .then(
        () => {
          if (this.#owner === owner) this.saveError = null;
        },
        (error: unknown) => {
          if (this.#owner !== owner) return;
          const notice = describeError(error);
          this.saveError = `The draft could not be saved: ${notice.detail ?? notice.title}`;
        },
      );
    return this.#saving;
  }

  dispose(): void {
    void this.flush();
  }
}

/** The first `length` characters of `text`, one fewer if that would cut a surrogate pair in two. */
function startOf(text: string, length: number): string {
  const end = /[\uD800-\uDBFF]/.test(text.charAt(length - 1)) ? length - 1 : length;
  return text.slice(0, end);
}
