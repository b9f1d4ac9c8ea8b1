import type { Token } from 'node-llama-cpp';
import { sharedPrefix } from './kv-state-cache';
import type { LoadedModel } from './model-loader';
import { EngineError, prefillSkipped, type GenerateRequest, type PrefillResult } from './port';
import { evaluateInSteps, keepCachedPrefix, startReply, type ReplyIterator, type ResolvedSettings } from './sequence-steps';

/**
 * A reply a `prefill` started: its prompt is wholly in the KV cache and its first token sampled (the iterator waits
 * before evaluating it). A `generate` of the same prompt with the same settings continues it, with nothing left to
 * evaluate; anything else drops it first.
 */
export interface PrimedReply {
  promptTokens: Token[];
  settings: ResolvedSettings;
  iterator: ReplyIterator;
  first: IteratorResult<Token, void>;
  /** The reply's tokens so far (the repeat penalty's closure reads them). */
  generated: Token[];
}

/**
 * Reading a prompt ahead of its reply (`LlamaEngine.prefill`), and the primed reply that leaves behind. Runs only
 * inside the engine's queue, like any request; each step is `chunkTokens` long, so whatever waits gets its turn soon.
 */
export class Prefiller {
  /** The reply a prefill started, waiting for the `generate` of the same prompt. */
  private primed: PrimedReply | null = null;

  constructor(
    /** Prompt tokens per step. */
    private readonly chunkTokens: number,
  ) {}

  /**
   * Evaluates `request`'s prompt (`fit` writes it, as `generate` would): while the last turn is still being typed,
   * only the part more typing would not change; otherwise all of it, and the reply's first token is sampled and
   * kept for the `generate` of the same prompt. Stops between steps once `signal` aborts (`superseded`).
   */
  async prefill(
    loaded: LoadedModel,
    request: GenerateRequest,
    settings: ResolvedSettings,
    fit: (request: GenerateRequest) => Token[],
    stillTyping: boolean,
    signal: AbortSignal,
  ): Promise<PrefillResult> {
    let promptTokens: Token[];
    try {
      promptTokens = fit(request);
    } catch (error) {
      if (error instanceof EngineError && error.code === 'CONTEXT_OVERFLOW') {
        return prefillSkipped();
      }
      throw error;
    }
    if (this.primed && samePrimed(this.primed, promptTokens, settings)) {
      return { outcome: 'done', reusedTokens: promptTokens.length, evaluatedTokens: 0 };
    }
    if (stillTyping) return this.prefillStablePart(loaded, request, fit, promptTokens, signal);
    await this.drop();
    await loaded.states.prepare(promptTokens, request.cacheKey ?? null);
    const { sequence } = loaded;
    // At least the last token is left to evaluate: the reply's first token is sampled from its logits.
    const reusedTokens = await keepCachedPrefix(sequence, promptTokens, promptTokens.length - 1);
    const chunk = this.chunkTokens;
    let evaluatedTokens = await evaluateInSteps(sequence, promptTokens, promptTokens.length - chunk, chunk, signal, loaded.threads);
    let outcome: PrefillResult['outcome'] = 'done';
    if (signal.aborted) outcome = 'superseded';
    else {
      // The last step, in the same batch as the prompt's last tokens (a small batch costs about as much as one
      // token): the reply's first token is sampled and kept for the `generate` of the same prompt, which then
      // starts with nothing left to evaluate — also when it arrives while this step runs.
      const last = promptTokens.slice(sequence.nextTokenIndex);
      const generated: Token[] = [];
      const iterator = startReply(sequence, last, settings, generated);
      try {
        const first = await loaded.threads.batch(last.length, () => iterator.next());
        this.primed = { promptTokens, settings, iterator, first, generated };
        evaluatedTokens += last.length;
      } catch (error) {
        await iterator.return(undefined).catch(() => undefined);
        throw error;
      }
    }
    return { outcome, reusedTokens, evaluatedTokens };
  }

  /** The primed reply if it answers exactly this prompt with these settings; otherwise it is dropped. */
  async claim(promptTokens: Token[], settings: ResolvedSettings): Promise<PrimedReply | null> {
    const primed = this.primed;
    if (primed && samePrimed(primed, promptTokens, settings)) {
      this.primed = null;
      return primed;
    }
    await this.drop();
    return null;
  }

  /** Ends the primed reply, if any (before anything else touches the sequence). */
  async drop(): Promise<void> {
    const primed = this.primed;
    this.primed = null;
    await primed?.iterator.return(undefined).catch(() => undefined);
  }

  /**
   * While the last turn is being typed: evaluates the prompt tokens that typing one more letter would not change (the
   * shared prefix of the prompt as it is and with a letter added), so the prompt's closing and a half-typed word are
   * left for later. One step; nothing is sampled.
   */
  private async prefillStablePart(
    loaded: LoadedModel,
    request: GenerateRequest,
    fit: (request: GenerateRequest) => Token[],
    promptTokens: Token[],
    signal: AbortSignal,
  ): Promise<PrefillResult> {
    const last = request.turns.at(-1);
    if (!last) return prefillSkipped();
    let longer: Token[];
    try {
      const turns = [...request.turns.slice(0, -1), { ...last, content: `${last.content}x` }];
      longer = fit({ ...request, turns });
    } catch {
      return prefillSkipped();
    }
    const target = promptTokens.slice(0, Math.min(sharedPrefix(promptTokens, longer), promptTokens.length - 1));
    const { sequence } = loaded;
    await this.drop();
    await loaded.states.prepare(target, request.cacheKey ?? null);
    const reusedTokens = await keepCachedPrefix(sequence, target, target.length);
    const evaluatedTokens = await evaluateInSteps(sequence, target, target.length, this.chunkTokens, signal, loaded.threads);
    return { outcome: signal.aborted ? 'superseded' : 'done', reusedTokens, evaluatedTokens };
  }
}

function samePrimed(primed: PrimedReply, promptTokens: Token[], settings: ResolvedSettings): boolean {
  const a = primed.settings;
  return (
    a.temperature === settings.temperature &&
    a.topK === settings.topK &&
    a.topP === settings.topP &&
    a.repeatPenalty === settings.repeatPenalty &&
    a.seed === settings.seed &&
    primed.promptTokens.length === promptTokens.length &&
    sharedPrefix(primed.promptTokens, promptTokens) === promptTokens.length
  );
}
