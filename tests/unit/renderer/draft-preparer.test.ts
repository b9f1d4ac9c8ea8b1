import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAFT_INTERVAL_MS, DRAFT_PAUSE_MS, DraftPreparer } from '../../../src-renderer/lib/draft-preparer';

// What the window tells the app while the user types (`chat.prepare`): while typing, at most one draft per interval
// (the latest text, marked still typing); when typing pauses, the text as it is; an opened conversation at once;
// never the same draft twice; nothing for a new chat or while preparing is off.

type Sent = [conversationId: string, text: string, stillTyping: boolean];
let sent: Sent[];
let enabled: boolean;
let preparer: DraftPreparer;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  enabled = true;
  preparer = new DraftPreparer((conversationId, text, stillTyping) => sent.push([conversationId, text, stillTyping]), () => enabled);
});

afterEach(() => {
  preparer.dispose();
  vi.useRealTimers();
});

/** Types `text` one character at a time, `gapMs` apart, reporting each prefix as the composer would. */
function typeSteadily(conversationId: string, text: string, gapMs: number): void {
  for (let end = 1; end <= text.length; end++) {
    preparer.typed(conversationId, text.slice(0, end));
    vi.advanceTimersByTime(gapMs);
  }
}

describe('DraftPreparer', () => {
  it('sends the latest text, still typing, one interval after the first key; then the text as it is at a pause', () => {
    preparer.typed('c1', 'W');
    preparer.typed('c1', 'Wh');
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS - 1);
    expect(sent).toEqual([]);
    preparer.typed('c1', 'Why');
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['c1', 'Why', true]]);
    vi.advanceTimersByTime(DRAFT_PAUSE_MS);
    expect(sent).toEqual([
      ['c1', 'Why', true],
      ['c1', 'Why', false],
    ]);
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 5);
    expect(sent).toHaveLength(2); // nothing more without typing
  });

  it('sends a steady typist’s draft once per interval, never once per key, and no pause until typing stops', () => {
    const text = 'Which river is the longest in Africa?'; // 37 keys, 50 ms apart: 1.85 s of typing
    typeSteadily('c1', text, 50);
    const whileTyping = sent.filter(([, , stillTyping]) => stillTyping);
    expect(whileTyping.length).toBe(sent.length);
    const expectedAtMost = Math.ceil((text.length * 50) / DRAFT_INTERVAL_MS) + 1;
    expect(sent.length).toBeGreaterThanOrEqual(expectedAtMost - 3);
    expect(sent.length).toBeLessThanOrEqual(expectedAtMost);
    for (const [index, [conversationId, draft]] of sent.entries()) {
      expect(conversationId).toBe('c1');
      expect(text.startsWith(draft)).toBe(true);
      if (index > 0) expect(draft.length).toBeGreaterThan(sent[index - 1]![1].length);
    }
    vi.advanceTimersByTime(DRAFT_PAUSE_MS);
    expect(sent.at(-1)).toEqual(['c1', text, false]);
  });

  it('sends an opened conversation at once, with the composer’s text, cancelling a draft still waiting', () => {
    preparer.typed('c1', 'half a thought');
    preparer.opened('c2', 'half a thought');
    expect(sent).toEqual([['c2', 'half a thought', false]]);
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 2);
    expect(sent).toHaveLength(1); // the draft for c1 was dropped
    preparer.opened('c3', '');
    expect(sent.at(-1)).toEqual(['c3', '', false]);
  });

  it('does not send the draft it sent last again', () => {
    preparer.opened('c1', '');
    preparer.opened('c1', '');
    expect(sent).toEqual([['c1', '', false]]);
    preparer.typed('c1', 'x');
    preparer.typed('c1', ''); // typed and erased within one interval: back to the draft last sent
    vi.advanceTimersByTime(DRAFT_PAUSE_MS);
    expect(sent).toEqual([['c1', '', false]]);
    preparer.typed('c1', 'ab'); // sent still typing, then as it is at the pause: that one completes it
    vi.advanceTimersByTime(DRAFT_PAUSE_MS);
    expect(sent.slice(1)).toEqual([
      ['c1', 'ab', true],
      ['c1', 'ab', false],
    ]);
    preparer.opened('c2', '');
    expect(sent.at(-1)).toEqual(['c2', '', false]); // the same text in another conversation is another draft
  });

  it('sends nothing for a new chat (no conversation yet), and typing there cancels a draft still waiting', () => {
    preparer.typed(null, 'hello');
    preparer.opened(null, 'hello');
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 2);
    expect(sent).toEqual([]);
    preparer.typed('c1', 'hello');
    preparer.typed(null, 'hello');
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 2);
    expect(sent).toEqual([]);
  });

  it('sends nothing while disabled, asking when it sends, not when the key is pressed', () => {
    enabled = false;
    preparer.opened('c1', '');
    preparer.typed('c1', 'draft');
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 2);
    expect(sent).toEqual([]);
    enabled = true;
    preparer.typed('c1', 'draft'); // not "already sent": nothing was sent while disabled
    enabled = false; // e.g. the model was unloaded during the interval
    vi.advanceTimersByTime(DRAFT_INTERVAL_MS);
    expect(sent).toEqual([]);
    enabled = true;
    vi.advanceTimersByTime(DRAFT_PAUSE_MS);
    expect(sent).toEqual([['c1', 'draft', false]]);
  });

  it('after a send, the composer emptying sends nothing (the app prepares the follow-up itself)', () => {
    preparer.typed('c1', 'Why is the sky blue?');
    preparer.sent('c1');
    preparer.typed('c1', ''); // the composer is cleared by the send
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 2);
    expect(sent).toEqual([]); // neither the pending question (now sent) nor the empty composer
    preparer.typed('c1', 'And at sunset?');
    vi.advanceTimersByTime(DRAFT_PAUSE_MS);
    expect(sent).toEqual([
      ['c1', 'And at sunset?', true],
      ['c1', 'And at sunset?', false],
    ]);
  });

  it('dispose cancels a draft still waiting', () => {
    preparer.typed('c1', 'never sent');
    preparer.dispose();
    vi.advanceTimersByTime(DRAFT_PAUSE_MS * 2);
    expect(sent).toEqual([]);
  });

  it('honours its interval and pause', () => {
    const slow = new DraftPreparer((conversationId, text, stillTyping) => sent.push([conversationId, text, stillTyping]), () => true, 1_000, 5_000);
    slow.typed('c1', 'a');
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['c1', 'a', true]]);
    vi.advanceTimersByTime(3_999);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual(['c1', 'a', false]);
    slow.dispose();
  });
});
