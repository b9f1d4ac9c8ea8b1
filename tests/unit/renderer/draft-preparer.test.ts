import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAFT_INTERVAL_MS, DraftPreparer } from '../../../src-renderer/lib/draft-preparer';

// What the window tells the app while the user types (`chat.prepare`): at most one draft per interval, the latest
// text, never the same draft twice, nothing for a new chat or while preparing is off.

let sent: Array<[string, string]>;
let enabled: boolean;
let preparer: DraftPreparer;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  enabled = true;
  preparer = new DraftPreparer(
    (conversationId, text) => sent.push([conversationId, text]),
    () => enabled,
  );
});

afterEach(() => {
  preparer.dispose();
  vi.useRealTimers();
});

/** Types `text` one character at a time, `gapMs` apart, reporting each prefix as the composer would. */
function typeSlowly(conversationId: string, text: string, gapMs: number): void {
  for (let end = 1; end <= text.length; end++) {
    preparer.typed(conversationId, text.slice(0, end));
    vi.advanceTimersByTime(gapMs);
  }
}

describe('DraftPreparer', () => {
  it('sends nothing at the first key, then the latest text one interval after it', () => {
    preparer.typed('c1', 'W');
    preparer.typed('c1', 'Wh');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS - 1);
    expect(sent).toEqual([]);
    preparer.typed('c1', 'Why');
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['c1', 'Why']]);
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 5);
    expect(sent).toEqual([['c1', 'Why']]); // nothing more without typing
  });

  it('sends a steady typist’s draft once per interval, never once per key', () => {
    const text = 'Which river is the longest in Africa?'; // 37 keys, 50 ms apart: 1.85 s of typing
    typeSlowly('c1', text, 50);
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    const expectedAtMost = Math.ceil((text.length * 50) / DRAFT_INTERVAL_MS) + 1;
    expect(sent.length).toBeGreaterThanOrEqual(expectedAtMost - 2);
    expect(sent.length).toBeLessThanOrEqual(expectedAtMost);
    expect(sent.at(-1)).toEqual(['c1', text]);
    // Each one is a longer prefix of the text than the one before: always the latest text at that moment.
    for (const [index, [conversationId, draft]] of sent.entries()) {
      expect(conversationId).toBe('c1');
      expect(text.startsWith(draft)).toBe(true);
      if (index > 0) expect(draft.length).toBeGreaterThan(sent[index - 1]![1].length);
    }
  });

  it('sends an opened conversation at once, with the composer’s text, cancelling a draft still waiting', () => {
    preparer.typed('c1', 'half a thought');
    preparer.opened('c2', 'half a thought');
    expect(sent).toEqual([['c2', 'half a thought']]);
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 2);
    expect(sent).toEqual([['c2', 'half a thought']]); // the draft for c1 was dropped
    preparer.opened('c3', '');
    expect(sent.at(-1)).toEqual(['c3', '']);
  });

  it('does not send the draft it sent last again', () => {
    preparer.opened('c1', '');
    preparer.opened('c1', '');
    expect(sent).toEqual([['c1', '']]);
    preparer.typed('c1', 'x');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    preparer.typed('c1', ''); // typed and erased: the same empty draft as before counts as new again
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    preparer.typed('c1', '');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    expect(sent).toEqual([
      ['c1', ''],
      ['c1', 'x'],
      ['c1', ''],
    ]);
    // Typing back to the text last sent within one interval sends nothing.
    preparer.typed('c1', 'y');
    preparer.typed('c1', '');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    expect(sent).toHaveLength(3);
    // The same text in another conversation is another draft.
    preparer.opened('c2', '');
    expect(sent.at(-1)).toEqual(['c2', '']);
  });

  it('sends nothing for a new chat (no conversation yet), and typing there cancels a draft still waiting', () => {
    preparer.typed(null, 'hello');
    preparer.opened(null, 'hello');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 2);
    expect(sent).toEqual([]);
    preparer.typed('c1', 'hello');
    preparer.typed(null, 'hello');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 2);
    expect(sent).toEqual([]);
  });

  it('sends nothing while disabled, and the draft in the composer once enabled and typed again', () => {
    enabled = false;
    preparer.opened('c1', '');
    preparer.typed('c1', 'draft');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 2);
    expect(sent).toEqual([]);
    enabled = true;
    preparer.typed('c1', 'draft'); // not "already sent": nothing was sent while disabled
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    expect(sent).toEqual([['c1', 'draft']]);
  });

  it('asks whether it is enabled when it sends, not when the key is pressed', () => {
    preparer.typed('c1', 'draft');
    enabled = false; // e.g. the model was unloaded during the interval
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    expect(sent).toEqual([]);
  });

  it('after a send, the composer emptying sends nothing (the app prepares the follow-up itself)', () => {
    preparer.typed('c1', 'Why is the sky blue?');
    preparer.sent('c1');
    preparer.typed('c1', ''); // the composer is cleared by the send
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 2);
    expect(sent).toEqual([]); // neither the pending question (now sent) nor the empty composer
    preparer.typed('c1', 'And at sunset?');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    expect(sent).toEqual([['c1', 'And at sunset?']]);
  });

  it('dispose cancels a draft still waiting', () => {
    preparer.typed('c1', 'never sent');
    preparer.dispose();
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS * 2);
    expect(sent).toEqual([]);
  });

  it('honours its interval', () => {
    const slow = new DraftPreparer((conversationId, text) => sent.push([conversationId, text]), () => true, 1_000);
    slow.typed('c1', 'a');
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['c1', 'a']]);
    slow.dispose();
  });
});
