// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContextMeasure, ContextMeasured } from '../../../src-main/common/types';
import { ContextMeterState, describeMeter, METER_INTERVAL_MS } from '../../../src-renderer/lib/context-meter.svelte';

// The header's context meter state: how often it asks the app (`chat.measure`) while the user types, and that an
// answer to an older question never replaces a newer one. A fake clock; the app is a function whose answers the test
// releases when it wants.

interface Question {
  conversationId: string | null;
  text: string;
  answer: (measure: ContextMeasure) => void;
  fail: (error: unknown) => void;
}

let questions: Question[];
let meter: ContextMeterState;

beforeEach(() => {
  vi.useFakeTimers();
  questions = [];
  meter = new ContextMeterState(
    (conversationId, text) =>
      new Promise<ContextMeasure>((answer, fail) => questions.push({ conversationId, text, answer, fail })),
  );
});

afterEach(() => {
  meter.dispose();
  vi.useRealTimers();
});

/** A measured answer whose prompt is `promptTokens` long. */
function measured(promptTokens: number, extra: Partial<ContextMeasured> = {}): ContextMeasured {
  return {
    available: true,
    contextSize: 2048,
    promptTokens,
    exact: true,
    fits: true,
    promptBudget: 1792,
    replyReserve: 256,
    maxReplyTokens: 512,
    replyTokens: Math.min(512, 2047 - promptTokens),
    messagesInView: 4,
    messagesDropped: 0,
    afterMessageId: 'm4',
    ...extra,
  };
}

/** Lets answered promises settle. */
const settle = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

describe('ContextMeterState', () => {
  it('asks at once for an opened conversation, then at most once per interval while typing, the latest text last', async () => {
    meter.refresh('c1');
    expect(questions.map((q) => [q.conversationId, q.text])).toEqual([['c1', '']]);
    const text = 'Which river is the longest in Africa?'; // 37 keys, 40 ms apart: 1.48 s of typing
    for (let end = 1; end <= text.length; end++) {
      meter.typed('c1', text.slice(0, end));
      vi.advanceTimersByTime(40);
    }
    vi.advanceTimersByTime(METER_INTERVAL_MS);
    const typing = questions.slice(1);
    // A few a second, never one per key.
    expect(typing.length).toBeLessThanOrEqual(Math.ceil((text.length * 40) / METER_INTERVAL_MS) + 1);
    expect(typing.length).toBeGreaterThanOrEqual(5);
    expect(typing.at(-1)?.text).toBe(text);
    for (const [index, question] of typing.entries()) {
      expect(text.startsWith(question.text)).toBe(true);
      if (index > 0) expect(question.text.length).toBeGreaterThan(typing[index - 1]!.text.length);
    }
    // Nothing more without a change; the same text again asks nothing.
    const asked = questions.length;
    meter.typed('c1', text);
    vi.advanceTimersByTime(METER_INTERVAL_MS * 4);
    expect(questions).toHaveLength(asked);
  });

  it('asks again after a change of the conversation (a reply ended) within the interval, and at once for another one', () => {
    meter.refresh('c1');
    meter.refresh('c1'); // e.g. its messages arrived
    meter.refresh('c1');
    expect(questions).toHaveLength(1);
    vi.advanceTimersByTime(METER_INTERVAL_MS);
    expect(questions).toHaveLength(2); // the changes since, in one question
    meter.refresh('c2');
    expect(questions.map((q) => q.conversationId)).toEqual(['c1', 'c1', 'c2']);
    meter.refresh(null); // a new chat
    expect(questions.at(-1)).toMatchObject({ conversationId: null, text: '' });
  });

  it('never lets an answer to an older question replace a newer one', async () => {
    meter.refresh('c1');
    meter.typed('c1', 'Hi');
    vi.advanceTimersByTime(METER_INTERVAL_MS);
    expect(questions).toHaveLength(2);
    const [older, newer] = questions;
    newer!.answer(measured(30));
    await settle();
    expect(meter.measureFor('c1')).toMatchObject({ promptTokens: 30 });
    older!.answer(measured(10)); // late: dropped
    await settle();
    expect(meter.measureFor('c1')).toMatchObject({ promptTokens: 30 });

    // In order, each answer shows in turn.
    meter.typed('c1', 'Hi there');
    vi.advanceTimersByTime(METER_INTERVAL_MS);
    questions.at(-1)!.answer(measured(40));
    await settle();
    expect(meter.measureFor('c1')).toMatchObject({ promptTokens: 40 });
  });

  it('shows figures only for the conversation they were counted for, and ignores failures', async () => {
    meter.refresh('c1');
    meter.refresh('c2');
    questions[1]!.fail(new Error('DISCONNECTED'));
    questions[0]!.answer(measured(12));
    await settle();
    expect(meter.measureFor('c1')).toMatchObject({ promptTokens: 12 });
    expect(meter.measureFor('c2')).toBeNull();
    expect(meter.nextView('c1')).toEqual({ messagesInView: 4, messagesDropped: 0, afterMessageId: 'm4' });

    meter.refresh('c2'); // asked again, once the interval has passed
    vi.advanceTimersByTime(METER_INTERVAL_MS);
    expect(questions).toHaveLength(3);
    questions.at(-1)!.answer(measured(5000, { fits: false, exact: false }));
    await settle();
    expect(meter.nextView('c2')).toBeNull(); // a message that does not fit says nothing of what is in view
    meter.dispose();
    meter.typed('c2', 'more');
    vi.advanceTimersByTime(METER_INTERVAL_MS * 2);
    expect(questions).toHaveLength(3);
  });
});

describe('describeMeter', () => {
  it('says tokens used of the window, warns near the limit and when older messages are left out', () => {
    expect(describeMeter(measured(1234), 2048)).toMatchObject({
      text: '1,234 / 2,048 tokens',
      level: 'ok',
      bar: { value: 1234, max: 2048, low: 1523, high: 1792 },
    });
    expect(describeMeter(measured(1234), 2048).detail).toContain('A reply can use up to 512 tokens more');
    expect(describeMeter(measured(1600), 2048)).toMatchObject({
      text: '1,600 / 2,048 tokens · room for a ~447-token reply',
      level: 'near',
    });
    const dropped = describeMeter(measured(1000, { messagesInView: 6, messagesDropped: 12 }), 2048);
    expect(dropped).toMatchObject({ text: '1,000 / 2,048 tokens · 12 older messages left out', level: 'near' });
    expect(dropped.detail).toContain('the last 6 messages (12 older ones are left out to fit)');
  });

  it('marks the counts of a model on a server as estimated, with its own window', () => {
    const remote = describeMeter(measured(900, { contextSize: 32_768, promptBudget: 32_000, estimated: true }), 2048);
    expect(remote).toMatchObject({ text: '≈ 900 / 32,768 tokens', level: 'ok', bar: { max: 32_768 } });
    expect(remote.detail).toContain('its tokens are estimated from the text’s length');
    expect(describeMeter(measured(900), 2048).detail).not.toContain('estimated');
  });

  it('says by how much a message is too long, and when nothing can be counted', () => {
    expect(describeMeter(measured(2300, { fits: false, replyTokens: 0 }), 2048)).toMatchObject({
      text: 'Message too long by 508 tokens',
      level: 'over',
      bar: { value: 2048, max: 2048 },
    });
    expect(describeMeter(measured(9000, { fits: false, exact: false }), 2048).text).toBe('Message too long by at least 7,208 tokens');
    // One is one: never "1 tokens".
    const byOne = describeMeter(measured(1793, { fits: false, replyTokens: 0 }), 2048);
    expect(byOne.text).toBe('Message too long by 1 token');
    expect(byOne.detail).toContain('the prompt would be 1,793 tokens');
    expect(byOne.detail).toContain('Shorten it by 1 token,');
    expect(describeMeter(measured(100, { maxReplyTokens: 1, replyTokens: 1 }), 2048).detail).toContain('A reply can use up to 1 token more');
    expect(describeMeter({ available: false, reason: 'noModel', contextSize: null }, null)).toMatchObject({
      text: 'Tokens not counted',
      level: 'unknown',
      bar: null,
      detail: 'No model is loaded, so there is no tokenizer to count with.',
    });
    expect(describeMeter({ available: false, reason: 'loading', contextSize: 2048 }, null).text).toBe('— / 2,048 tokens');
    expect(describeMeter(null, 2048)).toMatchObject({ text: '— / 2,048 tokens', bar: null });
  });
});
