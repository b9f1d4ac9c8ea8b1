import type { LlamaModel, Token } from 'node-llama-cpp';

/**
 * What Q8_0 keys do to the model's output (issue 14). The weights are random, so perplexity means nothing; what can
 * be measured is how far the next-token distributions move: the same tokens are evaluated in a context with F16 keys
 * and in one with Q8_0 keys (values F16 in both, flash attention off, as the app runs), and the two distributions are
 * compared at every `every`-th position.
 */
export interface KeyTypeQuality {
  /** Positions compared (their next-token distributions). */
  positions: number;
  /** Tokens evaluated in each context. */
  tokens: number;
  /**
   * Positions where either distribution is not finite (NaN logits): llama.cpp computes those with quantized keys when
   * the attention heads are not a multiple of the type's 32-element block wide (Phi-2's are 80).
   */
  nonFinitePositions: number;
  /** Share of positions where the most likely next token is the same (a non-finite position never agrees). */
  top1Agreement: number;
  /**
   * KL(F16 ‖ Q8_0) in nats over the finite positions (NaN if there is none): the mean, the mean over the deeper half
   * of the text, and the largest. The same for the figures below.
   */
  meanKl: number;
  meanKlDeeperHalf: number;
  maxKl: number;
  /** Largest absolute difference of one token's probability, over every position and token. */
  maxProbabilityDelta: number;
  /**
   * The logits' change against their spread, whatever the distributions' temperature: at each position, the RMS of
   * the change of the log-probabilities (their common shift removed) over their standard deviation; the mean over the
   * positions, and the largest.
   */
  meanRelativeLogitError: number;
  maxRelativeLogitError: number;
  /** Mean entropy of the F16 distributions in nats, to read the KL against (ln of the vocabulary size at most). */
  meanEntropy: number;
  vocabularySize: number;
}

export interface KeyTypeQualityOptions {
  /** Compare the distribution after every `every`-th token (default 8). */
  every?: number;
  threads?: number;
  /** Default 128, the app's batch. */
  batchSize?: number;
}

/** Evaluates `tokens` with F16 keys, then with Q8_0 keys (one context at a time), and compares the distributions. */
export async function compareKeyTypes(
  model: LlamaModel,
  tokens: readonly Token[],
  options: KeyTypeQualityOptions = {},
): Promise<KeyTypeQuality> {
  const every = Math.max(1, options.every ?? 8);
  const f16 = await nextTokenDistributions(model, tokens, 'F16', every, options);
  const q8 = await nextTokenDistributions(model, tokens, 'Q8_0', every, options);
  const count = Math.min(f16.length, q8.length);
  if (count === 0) throw new Error('no position was compared');
  let agree = 0;
  let klSum = 0;
  let klDeeperSum = 0;
  let deeper = 0;
  let maxKl = 0;
  let maxDelta = 0;
  let entropySum = 0;
  let entropyCount = 0;
  let relativeSum = 0;
  let maxRelative = 0;
  let nonFinite = 0;
  for (let index = 0; index < count; index++) {
    const p = f16[index] ?? new Float32Array();
    const q = q8[index] ?? new Float32Array();
    if (p.every(Number.isFinite)) {
      entropySum += entropy(p);
      entropyCount++;
    }
    if (!p.every(Number.isFinite) || !q.every(Number.isFinite)) {
      nonFinite++;
      continue;
    }
    if (argmax(p) === argmax(q)) agree++;
    let kl = 0;
    for (let token = 0; token < p.length; token++) {
      const pt = p[token] ?? 0;
      const qt = q[token] ?? 0;
      maxDelta = Math.max(maxDelta, Math.abs(pt - qt));
      if (pt > 0) kl += pt * Math.log(pt / Math.max(qt, 1e-30));
    }
    kl = Math.max(0, kl); // rounding can make a near-zero KL slightly negative
    const relative = relativeLogitError(p, q);
    relativeSum += relative;
    maxRelative = Math.max(maxRelative, relative);
    klSum += kl;
    maxKl = Math.max(maxKl, kl);
    if (index >= count / 2) {
      klDeeperSum += kl;
      deeper++;
    }
  }
  const finite = count - nonFinite;
  const none = finite === 0;
  return {
    positions: count,
    tokens: tokens.length,
    nonFinitePositions: nonFinite,
    top1Agreement: agree / count,
    meanKl: klSum / finite,
    meanKlDeeperHalf: deeper > 0 ? klDeeperSum / deeper : Number.NaN,
    maxKl: none ? Number.NaN : maxKl,
    maxProbabilityDelta: none ? Number.NaN : maxDelta,
    meanRelativeLogitError: relativeSum / finite,
    maxRelativeLogitError: none ? Number.NaN : maxRelative,
    meanEntropy: entropySum / entropyCount,
    vocabularySize: f16[0]?.length ?? 0,
  };
}

/** The next-token distribution (softmax of the logits, by token id) after every `every`-th token. */
async function nextTokenDistributions(
  model: LlamaModel,
  tokens: readonly Token[],
  keyType: 'F16' | 'Q8_0',
  every: number,
  options: KeyTypeQualityOptions,
): Promise<Float32Array[]> {
  const context = await model.createContext({
    contextSize: Math.max(256, Math.ceil((tokens.length + 1) / 256) * 256),
    flashAttention: false,
    experimentalKvCacheKeyType: keyType,
    batchSize: options.batchSize ?? 128,
    ...(options.threads ? { threads: options.threads } : {}),
    sequences: 1,
  });
  try {
    const sequence = context.getSequence();
    const input = tokens.map((token, index) =>
      (index + 1) % every === 0 ? ([token, { generateNext: { probabilities: true } }] as [Token, { generateNext: { probabilities: true } }]) : token,
    );
    // Temperature 0 (greedy) leaves the whole vocabulary in the candidates: the probabilities are the logits' softmax.
    const outputs = await sequence.controlledEvaluate(input);
    let vocabularySize = 0;
    for (const output of outputs) {
      for (const token of output?.next.probabilities?.keys() ?? []) vocabularySize = Math.max(vocabularySize, token + 1);
    }
    const distributions: Float32Array[] = [];
    for (const output of outputs) {
      const probabilities = output?.next.probabilities;
      if (!probabilities) continue;
      const dense = new Float32Array(vocabularySize);
      for (const [token, probability] of probabilities) dense[token] = probability;
      distributions.push(dense);
    }
    return distributions;
  } finally {
    await context.dispose();
  }
}

/** RMS of (log q − log p) minus its mean, over the standard deviation of log p (tokens with p, q > 0). */
function relativeLogitError(p: Float32Array, q: Float32Array): number {
  let n = 0;
  let sumP = 0;
  let sumP2 = 0;
  let sumD = 0;
  let sumD2 = 0;
  for (let token = 0; token < p.length; token++) {
    const pt = p[token] ?? 0;
    const qt = q[token] ?? 0;
    if (pt <= 0 || qt <= 0) continue;
    const lp = Math.log(pt);
    const d = Math.log(qt) - lp;
    n++;
    sumP += lp;
    sumP2 += lp * lp;
    sumD += d;
    sumD2 += d * d;
  }
  if (n < 2) return 0;
  const spread = Math.sqrt(Math.max(0, sumP2 / n - (sumP / n) ** 2));
  const change = Math.sqrt(Math.max(0, sumD2 / n - (sumD / n) ** 2));
  return spread > 0 ? change / spread : 0;
}

function entropy(p: Float32Array): number {
  let sum = 0;
  for (const pt of p) if (pt > 0) sum -= pt * Math.log(pt);
  return sum;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if ((values[index] ?? 0) > (values[best] ?? 0)) best = index;
  return best;
}
