import { EngineError, type ChatTurn, type ContextWindowInfo } from './port';

/** A conversation to fit: the pinned system prompt and the turns, oldest first. */
export interface ContextWindowInput {
  systemPrompt?: string;
  turns: readonly ChatTurn[];
}

export interface ContextWindowOptions<T, P = string> {
  /** The model's context window, in tokens. */
  contextSize: number;
  /** Tokens that must stay free for the reply. */
  replyReserve: number;
  /** Builds the prompt (text, or any form `tokenize` takes) for the system prompt and a list of turns. */
  format: (input: ContextWindowInput) => P;
  /** Turns a prompt into tokens (the model's tokenizer; any token-like value in tests). */
  tokenize: (prompt: P) => T[];
}

/** The prompt that fits: its text, its tokens, and what of the conversation is in it. */
export interface FittedPrompt<T, P = string> {
  text: P;
  tokens: T[];
  info: ContextWindowInfo;
}

/**
 * Fits a conversation into the context window, leaving `replyReserve` tokens for the reply.
 *
 * The system prompt is always kept. When the whole conversation does not fit, the oldest turns are dropped a whole
 * exchange at a time (a user turn and the answers after it), so the model never sees an answer without its question;
 * the last exchange (usually the user's new message) is always kept. If even that does not fit, the request fails
 * with `CONTEXT_OVERFLOW` and a message saying by how much: nothing is ever cut silently.
 *
 * Cost: one tokenization when everything fits (the common case); otherwise a binary search over where the kept part
 * starts, each step tokenizing a candidate prompt — tokens are counted on the exact prompt text, never estimated.
 */
export function fitContextWindow<T, P = string>(
  input: ContextWindowInput,
  options: ContextWindowOptions<T, P>,
): FittedPrompt<T, P> {
  const { contextSize, replyReserve } = options;
  const budget = contextSize - replyReserve;
  const starts = exchangeStarts(input.turns);
  const attempt = (start: number): FittedPrompt<T, P> => {
    const turns = input.turns.slice(start);
    const text = options.format({ systemPrompt: input.systemPrompt, turns });
    const tokens = options.tokenize(text);
    return {
      text,
      tokens,
      info: { turnsInView: turns.length, turnsDropped: start, promptTokens: tokens.length },
    };
  };

  const whole = attempt(0);
  if (whole.tokens.length <= budget || starts.length <= 1) {
    if (whole.tokens.length > budget) throw overflow(whole, input, options);
    return whole;
  }
  // Keep only the last exchange: if that does not fit, nothing will.
  let best = attempt(starts[starts.length - 1] ?? 0);
  if (best.tokens.length > budget) throw overflow(best, input, options);
  // Binary search for the earliest exchange start whose prompt fits (more turns never means fewer tokens).
  let low = 0; // index into `starts` known not to fit
  let high = starts.length - 1; // index known to fit
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    const candidate = attempt(starts[middle] ?? 0);
    if (candidate.tokens.length <= budget) {
      high = middle;
      best = candidate;
    } else {
      low = middle;
    }
  }
  return best;
}

/**
 * Where each exchange begins: at every user turn that follows a non-user turn or starts the list, plus index 0
 * (a leading assistant turn is an exchange of its own). Consecutive user turns stay in one exchange, since the answer
 * that follows them answers all of them.
 */
export function exchangeStarts(turns: readonly ChatTurn[]): number[] {
  const starts: number[] = [];
  turns.forEach((turn, index) => {
    if (index === 0 || (turn.role === 'user' && turns[index - 1]?.role !== 'user')) starts.push(index);
  });
  return starts;
}

function overflow<T, P>(
  kept: FittedPrompt<T, P>,
  input: ContextWindowInput,
  options: ContextWindowOptions<T, P>,
): EngineError {
  const { contextSize, replyReserve } = options;
  // The system prompt's share: the empty conversation's prompt with it, minus without it (format adds labels).
  const system = input.systemPrompt?.trim()
    ? options.tokenize(options.format({ systemPrompt: input.systemPrompt, turns: [] })).length -
      options.tokenize(options.format({ turns: [] })).length
    : 0;
  const systemPart = system > 0 ? ` together with the ${system}-token system prompt` : '';
  const what = kept.info.turnsInView > 1 ? 'The last message and its exchange are' : 'The message is';
  return new EngineError(
    'CONTEXT_OVERFLOW',
    `${what} too long for the model: the prompt would be ${kept.tokens.length} tokens${systemPart}, and with ` +
      `${replyReserve} tokens kept for the reply only ${contextSize - replyReserve} of the model's ` +
      `${contextSize}-token context are available. Shorten it by about ` +
      `${kept.tokens.length - (contextSize - replyReserve)} tokens, or split it into several messages.`,
  );
}
