// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RpcError } from '../../../src-main/common/contract';
import { MAX_MESSAGE_LENGTH } from '../../../src-main/common/schemas';
import type { Draft } from '../../../src-main/common/types';
import { ComposerDraft, DRAFT_SAVE_INTERVAL_MS, type DraftApi } from '../../../src-renderer/lib/composer-draft.svelte';

// The composer's text, one draft per conversation: brought when a conversation is shown (what the user typed first
// wins), saved a moment after each change (the latest last, one save at a time) and at once when moving on, and a
// text too long to send kept whole in the box while only its start can be saved.

type Saved = [conversationId: string | null, text: string, fullLength: number | null];

let stored: Map<string | null, Draft>;
let saved: Saved[];
let pendingLoads: Array<() => void>;
let failSaves: boolean;
let draft: ComposerDraft;

const api: DraftApi = {
  load: (conversationId) =>
    new Promise<Draft>((resolve) =>
      pendingLoads.push(() => resolve(stored.get(conversationId) ?? { conversationId, text: '', fullLength: null, savedAt: null })),
    ),
  save: async (conversationId, text, fullLength) => {
    if (failSaves) throw new RpcError('STORE_FAILED', 'The disk is full.');
    saved.push([conversationId, text, fullLength]);
    stored.set(conversationId, { conversationId, text, fullLength, savedAt: 1 });
  },
};

/** Answer every `drafts.get` asked so far, and let the answers land. */
async function answerLoads(): Promise<void> {
  for (const answer of pendingLoads.splice(0)) answer();
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  stored = new Map();
  saved = [];
  pendingLoads = [];
  failSaves = false;
  draft = new ComposerDraft(api);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ComposerDraft', () => {
  it("shows each conversation's own draft, saving the one left at once", async () => {
    stored.set('apples', { conversationId: 'apples', text: 'About apples', fullLength: null, savedAt: 1 });
    draft.show(null);
    await answerLoads();
    draft.text = 'A new thought';
    draft.show('apples');
    await vi.advanceTimersByTimeAsync(0);
    expect(saved).toEqual([[null, 'A new thought', null]]); // saved on leaving, not after the interval
    expect(draft.text).toBe(''); // until its draft arrives
    await answerLoads();
    expect(draft.text).toBe('About apples');
    draft.show(null);
    await answerLoads();
    expect(draft.text).toBe('A new thought');
    expect(saved).toHaveLength(1); // nothing changed in "apples": nothing saved
  });

  it('what the user types before a draft arrives wins over it', async () => {
    stored.set('apples', { conversationId: 'apples', text: 'Old draft', fullLength: null, savedAt: 1 });
    draft.show('apples');
    draft.text = 'Typed at once';
    await answerLoads();
    expect(draft.text).toBe('Typed at once');
  });

  it('saves a moment after a change, the latest text last, not once per key', async () => {
    draft.show('apples');
    await answerLoads();
    for (const text of ['W', 'Wh', 'Whi', 'Whic', 'Which']) {
      draft.text = text;
      await vi.advanceTimersByTimeAsync(DRAFT_SAVE_INTERVAL_MS / 3);
    }
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_INTERVAL_MS);
    expect(saved.length).toBeLessThan(4);
    expect(saved.at(-1)).toEqual(['apples', 'Which', null]);
  });

  it('a text too long to send stays whole; its start is saved with its full length, and said so after a reload', async () => {
    draft.show(null);
    await answerLoads();
    const huge = 'x'.repeat(MAX_MESSAGE_LENGTH + 5);
    draft.text = huge;
    expect(draft.excess).toBe(5);
    expect(draft.text).toBe(huge);
    await vi.advanceTimersByTimeAsync(DRAFT_SAVE_INTERVAL_MS);
    expect(saved).toEqual([[null, 'x'.repeat(MAX_MESSAGE_LENGTH), MAX_MESSAGE_LENGTH + 5]]);

    // A new window (a reload) shows what was kept, and that it was cut; the next edit clears the note.
    const reloaded = new ComposerDraft(api);
    reloaded.show(null);
    await answerLoads();
    expect([reloaded.text.length, reloaded.excess, reloaded.keptOf]).toEqual([MAX_MESSAGE_LENGTH, 0, MAX_MESSAGE_LENGTH + 5]);
    reloaded.text = 'shorter';
    expect(reloaded.keptOf).toBeNull();
  });

  it('never cuts a surrogate pair in two when only the start can be saved', async () => {
    draft.show(null);
    await answerLoads();
    draft.text = `${'x'.repeat(MAX_MESSAGE_LENGTH - 1)}😀tail`;
    await draft.flush();
    expect(saved[0]?.[1]).toBe('x'.repeat(MAX_MESSAGE_LENGTH - 1));
  });

  it('says when a save fails, and clears that once a save succeeds', async () => {
    draft.show('apples');
    await answerLoads();
    failSaves = true;
    draft.text = 'Important';
    await draft.flush();
    expect(draft.saveError).toBe('The draft could not be saved: The disk is full.');
    failSaves = false;
    draft.text = 'Important!';
    await draft.flush();
    expect(draft.saveError).toBeNull();
    expect(saved).toEqual([['apples', 'Important!', null]]);
  });
});
