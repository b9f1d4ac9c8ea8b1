import { describe, expect, it } from 'vitest';
import { exchangeStarts, fitContextWindow } from '../../../../src-main/node/engine/context-window';
import { formatPhi2Prompt } from '../../../../src-main/node/engine/phi2-format';
import { EngineError, type ChatTurn } from '../../../../src-main/node/engine/port';

// A word tokenizer (one token per whitespace-separated word) makes every count here exact and easy to check by hand.
const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

function fit(turns: ChatTurn[], contextSize: number, replyReserve: number, systemPrompt?: string) {
  return fitContextWindow({ systemPrompt, turns }, { contextSize, replyReserve, format: formatPhi2Prompt, tokenize: words });
}

const user = (content: string): ChatTurn => ({ role: 'user', content });
const assistant = (content: string): ChatTurn => ({ role: 'assistant', content });

// Each exchange below is 'Instruct: qN a b\nOutput: rN c' = 7 words; the closing 'Output:' is 1 more.
const history: ChatTurn[] = [
  user('q1 a b'),
  assistant('r1 c'),
  user('q2 a b'),
  assistant('r2 c'),
  user('q3 a b'),
  assistant('r3 c'),
  user('q4 a b'),
];

describe('fitContextWindow', () => {
  it('keeps the whole conversation when it fits, counting the exact prompt tokens', () => {
    // 3 exchanges × 7 + 'Instruct: q4 a b' (4) + 'Output:' (1) = 26 words.
    const fitted = fit(history, 36, 10);
    expect(fitted.info).toEqual({ turnsInView: 7, turnsDropped: 0, promptTokens: 26 });
    expect(fitted.text).toBe(formatPhi2Prompt({ turns: history }));
    expect(fitted.tokens).toHaveLength(26);
  });

  it('drops the oldest whole exchanges until prompt plus reply reserve fit', () => {
    // Budget 35 - 10 = 25: dropping exchange 1 gives 19 words.
    expect(fit(history, 35, 10).info).toEqual({ turnsInView: 5, turnsDropped: 2, promptTokens: 19 });
    // Budget 12: only the last exchange kept (5 words)... plus exchange 3 makes 12.
    expect(fit(history, 22, 10).info).toEqual({ turnsInView: 3, turnsDropped: 4, promptTokens: 12 });
    // Budget 11: just the new message.
    const last = fit(history, 21, 10);
    expect(last.info).toEqual({ turnsInView: 1, turnsDropped: 6, promptTokens: 5 });
    expect(last.text).toBe('Instruct: q4 a b\nOutput:');
  });

  it('always keeps the system prompt, and counts it', () => {
    const fitted = fit(history, 24, 10, 'Be very brief.');
    // 'Be very brief.' (3) + exchange 3 (7) + last (5) = 15 > 14, so only the last message: 8.
    expect(fitted.info).toEqual({ turnsInView: 1, turnsDropped: 6, promptTokens: 8 });
    expect(fitted.text).toBe('Be very brief.\nInstruct: q4 a b\nOutput:');
  });

  it('refuses a last message that does not fit on its own with CONTEXT_OVERFLOW, saying by how much', () => {
    const long = user(Array.from({ length: 30 }, (_, i) => `w${i}`).join(' '));
    let error: unknown;
    try {
      fit([...history.slice(0, -1), long], 30, 10, 'Sys tem');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('CONTEXT_OVERFLOW');
    // 'Sys tem' (2) + 'Instruct:' + 30 words + 'Output:' = 34 tokens; 20 available.
    expect((error as EngineError).message).toBe(
      'The message is too long for the model: the prompt would be 34 tokens together with the 2-token system ' +
        "prompt, and with 10 tokens kept for the reply only 20 of the model's 30-token context are available. " +
        'Shorten it by about 14 tokens, or split it into several messages.',
    );
  });

  it('says "1 token", not "1 tokens"', () => {
    // 'Instruct: a b c d' + 'Output:' = 6 tokens; 6 - 1 kept for the reply = 5 available.
    expect(() => fit([user('a b c d')], 6, 1)).toThrowError(
      "The message is too long for the model: the prompt would be 6 tokens, and with 1 token kept for the reply only 5 of the model's 6-token context are available. Shorten it by about 1 token, or split it into several messages.",
    );
  });

  it('refuses a single too-long message even without history', () => {
    expect(() => fit([user('a b c d e f g h')], 12, 4)).toThrowError(/too long for the model/);
  });

  it('tokenizes only once when everything fits, and few times when it does not', () => {
    let calls = 0;
    const counting = (text: string): string[] => {
      calls++;
      return words(text);
    };
    const many: ChatTurn[] = [];
    for (let i = 0; i < 100; i++) many.push(user(`q${i}`), assistant(`r${i}`));
    many.push(user('last'));
    fitContextWindow({ turns: many }, { contextSize: 1000, replyReserve: 10, format: formatPhi2Prompt, tokenize: counting });
    expect(calls).toBe(1);
    calls = 0;
    const fitted = fitContextWindow(
      { turns: many },
      { contextSize: 50, replyReserve: 10, format: formatPhi2Prompt, tokenize: counting },
    );
    // Each exchange is 4 words, the last message 3: 9 exchanges + 3 = 39 ≤ 40.
    expect(fitted.info).toEqual({ turnsInView: 19, turnsDropped: 182, promptTokens: 39 });
    expect(calls).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(101)));
  });
});

describe('fitContextWindow with a cheap lower bound', () => {
  it('refuses a huge last message without tokenizing it, saying how long it is at least', () => {
    let tokenized = 0;
    const huge = user('word '.repeat(100_000));
    let error: unknown;
    try {
      fitContextWindow(
        { turns: [...history.slice(0, -1), huge] },
        {
          contextSize: 30,
          replyReserve: 10,
          format: formatPhi2Prompt,
          tokenize: (text) => {
            tokenized += text.length;
            return words(text);
          },
          // No word here is longer than 10 characters (with its separator): a floor on the word count.
          minTokens: (text) => Math.ceil(text.length / 11),
        },
      );
    } catch (thrown) {
      error = thrown;
    }
    expect((error as EngineError).code).toBe('CONTEXT_OVERFLOW');
    expect((error as EngineError).message).toMatch(/^The message is too long for the model: the prompt would be at least [\d,]+ tokens/);
    expect((error as EngineError).message).toContain('Shorten it by at least');
    expect(tokenized).toBe(0);
  });

  it('still counts exactly whatever the bound cannot rule out', () => {
    const fitted = fitContextWindow(
      { turns: history },
      { contextSize: 21, replyReserve: 10, format: formatPhi2Prompt, tokenize: words, minTokens: (text) => Math.ceil(text.length / 11) },
    );
    expect(fitted.info).toEqual({ turnsInView: 1, turnsDropped: 6, promptTokens: 5 });
  });
});

describe('fitContextWindow keeping the start of a long conversation', () => {
  const options = (contextSize: number, extra: { keepStart?: number; refill?: number }) => ({
    contextSize,
    replyReserve: 10,
    format: formatPhi2Prompt,
    tokenize: words,
    ...extra,
  });

  it('keeps the previous start while the prompt from there still fits, even if more would fit', () => {
    // Budget 26 fits everything (26 words), but the conversation dropped 2 turns last time: it keeps that start.
    expect(fitContextWindow({ turns: history }, options(36, { keepStart: 2 })).info).toEqual({
      turnsInView: 5,
      turnsDropped: 2,
      promptTokens: 19,
    });
  });

  it('moves the start when the prompt from the previous one no longer fits', () => {
    // Budget 18: from turn 2 it is 19 words; the earliest start that fits is turn 4 (12 words).
    expect(fitContextWindow({ turns: history }, options(28, { keepStart: 2 })).info).toMatchObject({ turnsDropped: 4 });
  });

  it('ignores a previous start that is not the start of an exchange (the conversation changed)', () => {
    expect(fitContextWindow({ turns: history }, options(36, { keepStart: 3 })).info).toMatchObject({ turnsDropped: 0 });
  });

  it('when turns must go, drops enough that the rest fills at most `refill` of the budget', () => {
    // Budget 25: dropping one exchange (19 words) would do, but refill 0.5 allows 12: two exchanges go.
    expect(fitContextWindow({ turns: history }, options(35, { refill: 0.5 })).info).toEqual({
      turnsInView: 3,
      turnsDropped: 4,
      promptTokens: 12,
    });
    // Refill never drops the last exchange, and never applies when everything fits.
    expect(fitContextWindow({ turns: history }, options(35, { refill: 0.1 })).info).toMatchObject({ turnsDropped: 6 });
    expect(fitContextWindow({ turns: history }, options(36, { refill: 0.1 })).info).toMatchObject({ turnsDropped: 0 });
  });
});

describe('exchangeStarts', () => {
  it('starts an exchange at each user turn after an answer, keeping consecutive user turns together', () => {
    expect(exchangeStarts([user('a'), assistant('b'), user('c'), user('d'), assistant('e'), user('f')])).toEqual([
      0, 2, 5,
    ]);
    expect(exchangeStarts([assistant('hello'), user('hi')])).toEqual([0, 1]);
    expect(exchangeStarts([])).toEqual([]);
  });
});
