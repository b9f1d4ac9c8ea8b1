import type { ContextWindowInfo, GenerateOptions, GenerateRequest, GenerateResult } from '../port';

/**
 * The host's record of one reply streaming in from the engine process: what has reached the caller so far, so an
 * abort the process does not answer in time (or a dispose) can still be answered with the text written, and so the
 * time to first token can be the one the user saw.
 */
export class StreamedReply {
  #text = '';
  #deltas = 0;
  #context: ContextWindowInfo | null = null;
  #firstTextAt: number | null = null;
  /** Whether the caller has its answer: later text from the process goes to no one. */
  #closed = false;

  constructor(
    private readonly request: GenerateRequest,
    private readonly options: GenerateOptions,
    /** When the caller asked (`performance.now()`). */
    private readonly requestedAt: number,
  ) {}

  onContext(info: ContextWindowInfo): void {
    if (this.#closed) return;
    this.#context = info;
    this.options.onContext?.(info);
  }

  onText(delta: string): void {
    // Text the process wrote after the caller aborted (already in flight on the pipe) reaches no one: the reply is
    // what the caller had seen when it stopped.
    if (this.#closed || this.options.signal?.aborted) return;
    this.#firstTextAt ??= performance.now();
    this.#text += delta;
    this.#deltas++;
    this.options.onText?.(delta);
  }

  /** The caller has its answer: nothing more reaches it. */
  close(): void {
    this.#closed = true;
  }

  /**
   * The engine's result with the time to first token as the host saw it: from the `generate` call to the first text
   * here, process hop included — the wait the user sees.
   */
  withHostTiming(result: GenerateResult): GenerateResult {
    // After an abort the process's text may run past what was forwarded; the caller keeps what it was shown.
    if (result.stopReason === 'aborted' && this.options.signal?.aborted) result = { ...result, text: this.#text };
    if (this.#firstTextAt === null) return result;
    const timeToFirstTokenMs = Math.round(this.#firstTextAt - this.requestedAt);
    return { ...result, stats: { ...result.stats, timeToFirstTokenMs } };
  }

  /** The result of a generation answered here after an abort: the text so far; token counts are not known here. */
  abortedHere(): GenerateResult {
    const now = performance.now();
    const context = this.#context ?? { turnsInView: this.request.turns.length, turnsDropped: 0, promptTokens: 0 };
    return {
      text: this.#text,
      stopReason: 'aborted',
      stats: {
        promptTokens: context.promptTokens,
        evaluatedPromptTokens: 0,
        generatedTokens: this.#deltas,
        timeToFirstTokenMs: Math.round((this.#firstTextAt ?? now) - this.requestedAt),
        tokensPerSecond: 0,
        stopReason: 'aborted',
      },
      context,
    };
  }
}
