import type { ReplyStats, StopReason } from '../../common/types';
import type { GenerateRequest, GenerateResult } from './port';

/** Times one reply and turns the counts into `ReplyStats`. */
export class StatsClock {
  /** Prompt tokens that came from the KV cache (not evaluated for this reply). */
  cachedPromptTokens = 0;
  private firstTokenAt: number | null = null;
  private lastTokenAt: number | null = null;

  constructor(
    private readonly requestedAt: number,
    private readonly promptTokens: number,
  ) {}

  /** Call as each generated token arrives. */
  tokenArrived(): void {
    const now = performance.now();
    this.firstTokenAt ??= now;
    this.lastTokenAt = now;
  }

  /** The reply's figures: tokens per second counts from the first token to the last. */
  finish(generatedTokens: number, stopReason: StopReason): ReplyStats {
    const first = this.firstTokenAt;
    const last = this.lastTokenAt;
    const generationSeconds = first !== null && last !== null ? (last - first) / 1000 : 0;
    return {
      promptTokens: this.promptTokens,
      evaluatedPromptTokens: this.promptTokens - this.cachedPromptTokens,
      generatedTokens,
      // Without any token, the time until the reply ended: that is how long the user waited for nothing.
      timeToFirstTokenMs: Math.round((first ?? performance.now()) - this.requestedAt),
      tokensPerSecond: generatedTokens > 1 && generationSeconds > 0 ? (generatedTokens - 1) / generationSeconds : 0,
      stopReason,
    };
  }
}

/** Collects the reply text and forwards each non-empty piece to `onText`. */
export class TextSink {
  /** Everything appended so far. */
  value = '';
  constructor(private readonly onText: ((delta: string) => void) | undefined) {}
  /** Adds a piece of reply text (empty pieces are not forwarded). */
  append(delta: string): void {
    if (!delta) return;
    this.value += delta;
    this.onText?.(delta);
  }
}

/** The result of a request aborted before its prompt was even tokenized: nothing measured, nothing dropped. */
export function abortedBeforeStart(requestedAt: number, request: GenerateRequest): GenerateResult {
  const context = { turnsInView: request.turns.length, turnsDropped: 0, promptTokens: 0 };
  return { text: '', stopReason: 'aborted', stats: new StatsClock(requestedAt, 0).finish(0, 'aborted'), context };
}
