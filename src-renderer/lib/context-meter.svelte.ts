import type { ContextMeasure, ContextMeasured } from '../../src-main/common/types';
import { plural } from '../../src-main/common/plural';
import type { NextPromptView } from './context-view';

/** At most one `chat.measure` per this many ms while the user types (the first at once, the latest text last). */
export const METER_INTERVAL_MS = 250;

/** Asks the app how the next prompt fits (`chat.measure`). */
export type MeasureNextPrompt = (conversationId: string | null, text: string) => Promise<ContextMeasure>;

/** An answer of `chat.measure`, with the conversation it was asked for. */
export interface MeterReading {
  conversationId: string | null;
  measure: ContextMeasure;
}

/**
 * The header's context meter: how many tokens of the model's window the open conversation's next prompt takes (its
 * shown branch and the draft as the next message), as the app counts it (`chat.measure`). Asked again when the draft
 * changes — at most once per `intervalMs`, the first change at once and the latest text last — and when the
 * conversation, its messages or its options change (`refresh`); at once when another conversation is opened. An
 * answer never replaces one to a later question, so a slow answer cannot show stale figures. Failures are ignored:
 * the figures are only a guide, and the next change asks again.
 */
export class ContextMeterState {
  /** The latest answer (possibly for a conversation no longer open: see `measureFor`). */
  reading = $state.raw<MeterReading | null>(null);

  #conversationId: string | null = null;
  #text = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastAskedAt = Number.NEGATIVE_INFINITY;
  /** Numbers the questions, so only an answer to a later one than the one shown is shown. */
  #asked = 0;
  #shown = 0;
  #disposed = false;

  constructor(
    private readonly measure: MeasureNextPrompt,
    private readonly intervalMs = METER_INTERVAL_MS,
  ) {}

  /** The composer's text changed. */
  typed(conversationId: string | null, text: string): void {
    if (conversationId === this.#conversationId && text === this.#text) return;
    this.#text = text;
    this.refresh(conversationId);
  }

  /**
   * The open conversation, or something that changes its next prompt (messages, options, the model): ask again —
   * at once for another conversation, else within the interval.
   */
  refresh(conversationId: string | null): void {
    if (this.#disposed) return;
    if (conversationId !== this.#conversationId) {
      this.#conversationId = conversationId;
      this.#ask();
      return;
    }
    if (this.#timer !== undefined) return; // a question is already due: it will carry the latest state
    const wait = this.#lastAskedAt + this.intervalMs - Date.now();
    if (wait <= 0) this.#ask();
    else this.#timer = setTimeout(() => this.#ask(), wait);
  }

  /** The latest figures for this conversation (`null`: none yet). */
  measureFor(conversationId: string | null): ContextMeasure | null {
    const reading = this.reading;
    return reading !== null && reading.conversationId === conversationId ? reading.measure : null;
  }

  /**
   * What the model would see of this conversation's shown messages with the next prompt, when it fits — for marking
   * the messages out of view when no reply says so (`contextView`).
   */
  nextView(conversationId: string | null): NextPromptView | null {
    const measure = this.measureFor(conversationId);
    if (measure === null || !measure.available || !measure.fits) return null;
    const { messagesInView, messagesDropped, afterMessageId } = measure;
    return { messagesInView, messagesDropped, afterMessageId };
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #ask(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastAskedAt = Date.now();
    const question = ++this.#asked;
    const conversationId = this.#conversationId;
    this.measure(conversationId, this.#text).then(
      (measure) => {
        if (this.#disposed || question < this.#shown) return;
        this.#shown = question;
        this.reading = { conversationId, measure };
      },
      () => undefined,
    );
  }
}

/** How full the window is: `near` its budget (or older messages left out), `over` (the message does not fit). */
export type MeterLevel = 'unknown' | 'ok' | 'near' | 'over';

/** Where `near` starts: this share of the tokens a prompt may take. */
export const NEAR_SHARE = 0.85;

/** What the meter shows: the bar's value and bounds, a short text, the level, and a longer explanation. */
export interface MeterView {
  /** The bar (absent when nothing was counted). */
  bar: { value: number; max: number; low: number; high: number } | null;
  /** Everything the meter says in short: `main`, then ` · ` and `note` if there is one. */
  text: string;
  /** The figure itself (`1,234 / 2,048 tokens`), or what is wrong. */
  main: string;
  /** What else matters now (older messages left out, little room for the reply), or ''. */
  note: string;
  level: MeterLevel;
  /** For the tooltip and screen readers. */
  detail: string;
}

const count = (value: number): string => value.toLocaleString('en-US');

/**
 * The meter's words for `measure` (`null`: not counted yet). `contextSize`: the window, as the engine status says,
 * for when nothing could be counted.
 */
export function describeMeter(measure: ContextMeasure | null, contextSize: number | null): MeterView {
  if (measure === null || !measure.available) {
    const size = measure?.contextSize ?? contextSize;
    const text = size === null ? 'Tokens not counted' : `— / ${count(size)} tokens`;
    const why =
      measure === null
        ? 'Counting the tokens of the next prompt…'
        : measure.reason === 'loading'
          ? 'The model is loading: the tokens are counted once it is ready.'
          : measure.reason === 'noModel'
            ? 'No model is loaded, so there is no tokenizer to count with.'
            : 'The engine could not count the tokens just now.';
    const detail = size === null ? why : `${why} The model's context is ${count(size)} tokens.`;
    return { bar: null, text, main: text, note: '', level: 'unknown', detail };
  }
  const { contextSize: size, promptBudget: budget } = measure;
  const bar = { value: Math.min(measure.promptTokens, size), max: size, low: Math.round(budget * NEAR_SHARE), high: budget };
  if (!measure.fits) return tooLong(measure, bar);
  // A remote model's tokens are estimated from the text's length (its tokenizer is on the server).
  const main = `${measure.estimated ? '≈ ' : ''}${count(measure.promptTokens)} / ${count(size)} tokens`;
  const roomLimited = measure.replyTokens < measure.maxReplyTokens;
  const notes: string[] = [];
  if (measure.messagesDropped > 0) notes.push(`${plural(measure.messagesDropped, 'older message', 'older messages')} left out`);
  if (roomLimited) notes.push(`room for a ~${count(measure.replyTokens)}-token reply`);
  const note = notes.join(' · ');
  const level: MeterLevel =
    measure.messagesDropped > 0 || measure.promptTokens >= budget * NEAR_SHARE ? 'near' : 'ok';
  const seen =
    measure.messagesDropped > 0
      ? `the last ${plural(measure.messagesInView, 'message', 'messages')} (${plural(measure.messagesDropped, 'older one is', 'older ones are')} left out to fit)`
      : measure.messagesInView > 0
        ? `all ${plural(measure.messagesInView, 'message', 'messages')}`
        : 'no messages yet';
  const reply =
    roomLimited
      ? `That leaves room for a reply of about ${plural(measure.replyTokens, 'token')} (the length limit is ${count(measure.maxReplyTokens)}).`
      : `A reply can use up to ${plural(measure.maxReplyTokens, 'token')} more (its length limit).`;
  const detail =
    `The next prompt — system prompt, ${seen} and your message — takes ${count(measure.promptTokens)} of the ` +
    `model's ${count(size)}-token context. ${reply} Past ${count(budget)} tokens the oldest messages are left out, ` +
    `so that at least ${count(measure.replyReserve)} stay free for the reply.` +
    (measure.estimated ? ' The model runs on a server: its tokens are estimated from the text’s length.' : '');
  return { bar, text: note ? `${main} · ${note}` : main, main, note, level, detail };
}

function tooLong(measure: ContextMeasured, bar: NonNullable<MeterView['bar']>): MeterView {
  const over = measure.promptTokens - measure.promptBudget;
  const by = measure.exact ? plural(over, 'token') : `at least ${plural(over, 'token')}`;
  const size = measure.exact ? plural(measure.promptTokens, 'token') : `at least ${plural(measure.promptTokens, 'token')}`;
  const text = `Message too long by ${by}`;
  return {
    bar,
    text,
    main: text,
    note: '',
    level: 'over',
    detail:
      `Your message is too long for the model: with it the prompt would be ${size}, and with ` +
      `${count(measure.replyReserve)} kept for the reply only ${count(measure.promptBudget)} of the ` +
      `${count(measure.contextSize)}-token context are available. Shorten it by ${by}, or split it into ` +
      'several messages.',
  };
}
