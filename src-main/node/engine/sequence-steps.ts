import { randomInt } from 'node:crypto';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { GenerationSettings } from './port';
import type { ThreadGovernor } from './thread-governor';

/**
 * The steps the engine takes on its one context sequence, shared by a reply (`LlamaEngine.generate`) and the work
 * done ahead of one (`Prefiller`): keep what the KV cache already holds, evaluate the rest in small steps, start
 * sampling.
 */

/** Sampling settings with every default filled in (`seed` stays optional: random per reply). */
export type ResolvedSettings = Required<Omit<GenerationSettings, 'seed'>> & Pick<GenerationSettings, 'seed'>;

export type ReplyIterator = AsyncGenerator<Token, void, void | Token | Token[]>;

/**
 * Starts sampling a reply after `tokens` (the prompt's last token, or tokens not yet evaluated). A reply without a
 * fixed seed gets a random one. The repeat penalty looks at the last 64 tokens of `generated`.
 */
export function startReply(
  sequence: LlamaContextSequence,
  tokens: Token[],
  settings: ResolvedSettings,
  generated: Token[],
): ReplyIterator {
  return sequence.evaluate(tokens, {
    temperature: settings.temperature,
    topK: settings.topK,
    topP: settings.topP,
    seed: settings.seed ?? randomInt(0, 2 ** 31),
    repeatPenalty:
      settings.repeatPenalty === 1
        ? undefined
        : { penalty: settings.repeatPenalty, punishTokens: () => generated.slice(-64), maxPunishTokens: 64 },
  });
}

/**
 * Evaluates `tokens` from where the sequence stands up to index `end`, at most `chunk` per step, stopping between
 * steps once `signal` aborts, each step on the thread count `threads` gives. Returns how many tokens it evaluated.
 */
export async function evaluateInSteps(
  sequence: LlamaContextSequence,
  tokens: Token[],
  end: number,
  chunk: number,
  signal: AbortSignal,
  threads: Pick<ThreadGovernor, 'batch'>,
): Promise<number> {
  let evaluated = 0;
  while (sequence.nextTokenIndex < end && !signal.aborted) {
    const step = tokens.slice(sequence.nextTokenIndex, Math.min(sequence.nextTokenIndex + chunk, end));
    await threads.batch(step.length, () => sequence.evaluateWithoutGeneratingNewTokens(step));
    evaluated += step.length;
  }
  return evaluated;
}

/**
 * Keeps the longest prefix of `tokens` (at most `limit` tokens) the sequence holds and erases what follows it.
 * Returns how many tokens were kept.
 */
export async function keepCachedPrefix(sequence: LlamaContextSequence, tokens: Token[], limit: number): Promise<number> {
  const reuse = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, limit);
  if (sequence.nextTokenIndex > reuse) {
    await sequence.eraseContextTokenRanges([{ start: reuse, end: sequence.nextTokenIndex }]);
  }
  return sequence.nextTokenIndex;
}
