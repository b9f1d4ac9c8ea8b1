import { plural } from '../../common/plural';
import { CONTEXT_WINDOW_TOKENS } from '../../common/schemas';
import { EngineError, type ChatTurn, type ContextWindowInfo, type PromptMeasure } from './port';

/**
 * The context window a model gets: what it was trained with (when its file says), but never more than `cap` — the
 * app's window, {@link CONTEXT_WINDOW_TOKENS}, unless an engine is configured smaller. The KV cache and the memory
 * check are both sized to it: a model trained with 32k tokens must not get (and be refused for) a 32k-token cache.
 */
export function contextWindowFor(trainedContext: number | null, cap: number = CONTEXT_WINDOW_TOKENS): number {
  return Math.min(trainedContext ?? cap, cap);
}

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
  /**
   * Turns dropped from this conversation's previous request (its `turnsDropped`): kept as the start while the prompt
   * from there still fits, so the prompt keeps its beginning and the KV cache stays valid. Default 0.
   */
  keepStart?: number;
  /**
   * When the start must move forward, the share of the budget the kept turns may fill at most (0..1), leaving room
   * for the next turns before it moves again. Default 1: drop only what must go.
   */
  refill?: number;
  /**
   * A cheap lower bound on a prompt's token count (e.g. its UTF-8 bytes over the vocabulary's longest token): a
   * prompt it shows to be too long is never tokenized, so a huge paste is refused at once. Default: none.
   */
  minTokens?: (prompt: P) => number;
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
 * Keeping the KV cache useful once a conversation outgrows the window (`keepStart`, `refill`): if the window moved
 * forward by one exchange at every turn, the prompt would start differently each time and the whole window would be
 * evaluated again for every reply (tens of seconds for Phi-2 on a CPU). So a conversation keeps the start it had last
 * time (`keepStart`) while that still fits; when it no longer does, the start jumps far enough ahead that the kept
 * part fills at most `refill` of the budget, leaving room for several more turns with the same start.
 *
 * Cost: one tokenization when everything fits (the common case) or when the kept start still fits; otherwise binary
 * searches over where the kept part starts, each step tokenizing a candidate prompt — tokens are counted on the exact
 * prompt, never estimated.
 */
export function fitContextWindow<T, P = string>(
  input: ContextWindowInput,
  options: ContextWindowOptions<T, P>,
): FittedPrompt<T, P> {
  const { contextSize, replyReserve } = options;
  const budget = contextSize - replyReserve;
  const starts = exchangeStarts(input.turns);
  /** The prompt from `start` on, or its token lower bound when that alone shows it exceeds `limit`. */
  const attempt = (start: number, limit: number): Attempt<T, P> => {
    const turns = input.turns.slice(start);
    const prompt = options.format({ systemPrompt: input.systemPrompt, turns });
    const info = { turnsInView: turns.length, turnsDropped: start, promptTokens: 0 };
    const atLeast = options.minTokens?.(prompt) ?? 0;
    if (atLeast > limit) return { over: true, atLeast, exact: false, info: { ...info, promptTokens: atLeast } };
    const tokens = options.tokenize(prompt);
    const fitted = { text: prompt, tokens, info: { ...info, promptTokens: tokens.length } };
    if (tokens.length > limit) return { over: true, atLeast: tokens.length, exact: true, info: fitted.info };
    return { over: false, fitted };
  };

  const keep = options.keepStart ?? 0;
  if (keep > 0 && starts.includes(keep)) {
    const kept = attempt(keep, budget);
    if (!kept.over) return kept.fitted;
  } else {
    const whole = attempt(0, budget);
    if (!whole.over) return whole.fitted;
    if (starts.length <= 1) throw overflow(whole, input, options);
  }
  // Keep only the last exchange: if that does not fit, nothing will.
  const lastAttempt = attempt(starts[starts.length - 1] ?? 0, budget);
  if (lastAttempt.over) throw overflow(lastAttempt, input, options);
  const last = lastAttempt.fitted;
  // The earliest start that fits the budget (more turns never means fewer tokens)…
  const fitting = earliestFitting(starts, (start) => attempt(start, budget), last);
  const refill = options.refill ?? 1;
  if (refill >= 1 || fitting.info.turnsDropped === 0) return fitting;
  // …or, once turns must be dropped anyway, the earliest that fills at most `refill` of it.
  const from = starts.indexOf(fitting.info.turnsDropped);
  const target = Math.floor(budget * refill);
  if (fitting.tokens.length <= target) return fitting;
  if (last.tokens.length > target) return last;
  return earliestFitting(starts.slice(from), (start) => attempt(start, target), last);
}

/** A candidate prompt: it fits, or it is over the limit (by its exact count, or a lower bound that is enough). */
type Attempt<T, P> =
  | { over: false; fitted: FittedPrompt<T, P> }
  | { over: true; atLeast: number; exact: boolean; info: ContextWindowInfo };

/**
 * How a conversation fits the window, without failing when it does not: `fitContextWindow`'s answer (the same
 * tokenizations, the same dropped turns), or, when even the last exchange leaves less than `replyReserve` free, that
 * exchange's size (`exact: false` when it is only a lower bound: a huge paste is not tokenized in full).
 */
export type WindowMeasure<T, P = string> =
  | { fits: true; fitted: FittedPrompt<T, P> }
  | { fits: false; info: ContextWindowInfo; exact: boolean };

/** `fitContextWindow`, answering a prompt that does not fit with its size instead of throwing. */
export function measureContextWindow<T, P = string>(
  input: ContextWindowInput,
  options: ContextWindowOptions<T, P>,
): WindowMeasure<T, P> {
  try {
    return { fits: true, fitted: fitContextWindow(input, options) };
  } catch (error) {
    if (error instanceof ContextOverflowError) return { fits: false, info: { ...error.info }, exact: error.exact };
    throw error;
  }
}

/**
 * A `measureContextWindow` answer as an engine's `measure` reports it. `replyTokens`: what `generate` lets the reply
 * write, `maxTokens` capped by the room left in the window (the prompt's last token's position included).
 */
export function toPromptMeasure(
  measured: WindowMeasure<unknown, unknown>,
  window: { contextSize: number; replyReserve: number; maxTokens: number },
): PromptMeasure {
  const info = measured.fits ? measured.fitted.info : measured.info;
  const room = window.contextSize - 1 - info.promptTokens;
  return {
    contextSize: window.contextSize,
    replyReserve: window.replyReserve,
    fits: measured.fits,
    promptTokens: info.promptTokens,
    exact: measured.fits || measured.exact,
    turnsInView: info.turnsInView,
    turnsDropped: info.turnsDropped,
    replyTokens: measured.fits ? Math.max(0, Math.min(window.maxTokens, room)) : 0,
  };
}

/**
 * `CONTEXT_OVERFLOW` from `fitContextWindow`, with what was measured: the last exchange's turns and its tokens
 * (`exact: false`: a lower bound).
 */
export class ContextOverflowError extends EngineError {
  constructor(
    message: string,
    readonly info: ContextWindowInfo,
    readonly exact: boolean,
  ) {
    super('CONTEXT_OVERFLOW', message);
  }
}

/**
 * Binary search over exchange starts (ascending) for the earliest whose prompt fits, given that the last one does
 * (`last`) and the first one does not (or need not be tried).
 */
function earliestFitting<T, P>(
  starts: readonly number[],
  attempt: (start: number) => Attempt<T, P>,
  last: FittedPrompt<T, P>,
): FittedPrompt<T, P> {
  let best = last;
  let low = 0; // index into `starts` known (or assumed) not to fit
  let high = starts.length - 1; // index known to fit
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    const candidate = attempt(starts[middle] ?? 0);
    if (candidate.over) {
      low = middle;
    } else {
      high = middle;
      best = candidate.fitted;
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
  kept: { atLeast: number; exact: boolean; info: ContextWindowInfo },
  input: ContextWindowInput,
  options: ContextWindowOptions<T, P>,
): ContextOverflowError {
  const { contextSize, replyReserve } = options;
  // The system prompt's share: the empty conversation's prompt with it, minus without it (format adds labels).
  const system = input.systemPrompt?.trim()
    ? options.tokenize(options.format({ systemPrompt: input.systemPrompt, turns: [] })).length -
      options.tokenize(options.format({ turns: [] })).length
    : 0;
  const number = (count: number): string => count.toLocaleString('en-US');
  const systemPart = system > 0 ? ` together with the ${number(system)}-token system prompt` : '';
  const what = kept.info.turnsInView > 1 ? 'The last message and its exchange are' : 'The message is';
  // Counted exactly, or (for a huge paste, without tokenizing it all) bounded from below.
  const { exact } = kept;
  const size = exact ? plural(kept.atLeast, 'token') : `at least ${plural(kept.atLeast, 'token')}`;
  const available = contextSize - replyReserve;
  return new ContextOverflowError(
    `${what} too long for the model: the prompt would be ${size}${systemPart}, and with ` +
      `${plural(replyReserve, 'token')} kept for the reply only ${number(available)} of the model's ` +
      `${number(contextSize)}-token context are available. Shorten it by ${exact ? 'about' : 'at least'} ` +
      `${plural(kept.atLeast - available, 'token')}, or split it into several messages.`,
    { ...kept.info, promptTokens: kept.atLeast },
    exact,
  );
}
