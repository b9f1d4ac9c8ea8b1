/**
 * A synthetic GPT-2-style byte-level BPE vocabulary (the tokenizer family Phi-2 uses, `tokenizer.ggml.model = gpt2`).
 *
 * It can tokenize any text, because the first 256 tokens are the byte-level alphabet (every byte has a token), and
 * every other normal token is the result of exactly one merge, so llama.cpp's BPE always lands on tokens that exist.
 * The merges spell out the words of Phi-2's prompt format, common English words, and then made-up syllable words
 * ("Ġbako", "Ġtemu", …) until the requested size, so a random-weight model "writes" word-like text.
 */

/** llama.cpp token types (`llama_token_type`): the two this vocabulary uses. */
const TOKEN_TYPE = { normal: 1, control: 3 } as const;

/** The text of the end-of-text control token; Phi-2 uses it as BOS, EOS and padding. */
export const END_OF_TEXT = '<|endoftext|>';

export interface ByteLevelVocab {
  /** Token texts in the byte-level alphabet (a space is `Ġ`, a newline `Ċ`), indexed by token id. */
  tokens: string[];
  /** `TOKEN_TYPE` of each token. */
  tokenTypes: number[];
  /** BPE merges, best first, each as `"left right"`. */
  merges: string[];
  /** Id of `<|endoftext|>`. */
  endOfTextId: number;
}

/**
 * Builds a vocabulary of exactly `size` tokens with `<|endoftext|>` at `endOfTextId`.
 * Deterministic: the same arguments always give the same vocabulary.
 */
export function buildByteLevelVocab(size: number, endOfTextId: number): ByteLevelVocab {
  if (!Number.isInteger(size) || size < 258) throw new Error(`vocabulary size must be at least 258, got ${size}`);
  if (!Number.isInteger(endOfTextId) || endOfTextId < 256 || endOfTextId >= size) {
    throw new Error(`<|endoftext|> id must be in [256, ${size}), got ${endOfTextId}`);
  }
  const tokens: string[] = [];
  const tokenTypes: number[] = [];
  const merges: string[] = [];
  const known = new Set<string>([END_OF_TEXT]);

  const push = (text: string, type: number): void => {
    tokens.push(text);
    tokenTypes.push(type);
    known.add(text);
  };
  /** Adds a normal token, first filling the reserved `<|endoftext|>` slot if this is it. */
  const add = (text: string): void => {
    if (tokens.length === endOfTextId) push(END_OF_TEXT, TOKEN_TYPE.control);
    push(text, TOKEN_TYPE.normal);
  };
  const roomLeft = (): number => size - tokens.length - (tokens.length <= endOfTextId ? 1 : 0);

  for (const byte of BYTE_ORDER) add(BYTE_TO_CHAR[byte] ?? '');

  /**
   * Adds the merges that build `word` left to right ("Ġ t" → "Ġt", "Ġt h" → "Ġth", "Ġth e" → "Ġthe").
   * Returns false once the vocabulary is full.
   */
  const addWord = (word: string): boolean => {
    const chars = [...toByteLevel(word)];
    let prefix = chars[0] ?? '';
    for (const next of chars.slice(1)) {
      const merged = prefix + next;
      if (!known.has(merged)) {
        if (roomLeft() <= 0) return false;
        merges.push(`${prefix} ${next}`);
        add(merged);
      }
      prefix = merged;
    }
    return true;
  };

  const words = (function* () {
    yield* SEED_WORDS;
    for (const word of syllableWords()) yield ` ${word}`;
  })();
  for (const word of words) if (!addWord(word)) break;
  if (tokens.length === endOfTextId) push(END_OF_TEXT, TOKEN_TYPE.control);
  if (tokens.length !== size) throw new Error(`could only build ${tokens.length} of ${size} tokens`);
  return { tokens, tokenTypes, merges, endOfTextId };
}

/** Maps text to GPT-2's byte-level alphabet (UTF-8 bytes, each shown as one printable character). */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += BYTE_TO_CHAR[byte] ?? '';
  return out;
}

/**
 * GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the other 68 (space, control bytes, …) are moved
 * to U+0100 and up. `BYTE_ORDER` is GPT-2's token order for the 256 byte tokens (printable ranges first).
 */
const { BYTE_TO_CHAR, BYTE_ORDER } = (() => {
  const order: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) order.push(b);
  for (let b = 0xa1; b <= 0xac; b++) order.push(b);
  for (let b = 0xae; b <= 0xff; b++) order.push(b);
  const chars: string[] = [];
  for (const b of order) chars[b] = String.fromCodePoint(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (chars[b] === undefined) {
      chars[b] = String.fromCodePoint(256 + extra++);
      order.push(b);
    }
  }
  return { BYTE_TO_CHAR: chars, BYTE_ORDER: order };
})();

/** Words the prompt format and ordinary English use most, so prompts tokenize compactly. */
const SEED_WORDS: readonly string[] = [
  'Instruct',
  'Output',
  'User',
  'Question',
  'Exercise',
  'Answer',
  '\n\n',
  ...[
    'the', 'of', 'and', 'to', 'in', 'is', 'you', 'that', 'it', 'he', 'was', 'for', 'on', 'are', 'as', 'with', 'his',
    'they', 'at', 'be', 'this', 'have', 'from', 'or', 'one', 'had', 'by', 'word', 'but', 'not', 'what', 'all', 'were',
    'we', 'when', 'your', 'can', 'said', 'there', 'use', 'an', 'each', 'which', 'she', 'do', 'how', 'their', 'if',
    'will', 'up', 'other', 'about', 'out', 'many', 'then', 'them', 'these', 'so', 'some', 'her', 'would', 'make',
    'like', 'him', 'into', 'time', 'has', 'look', 'two', 'more', 'write', 'go', 'see', 'number', 'no', 'way', 'could',
    'people', 'my', 'than', 'first', 'water', 'been', 'call', 'who', 'its', 'now', 'find', 'long', 'down', 'day',
    'did', 'get', 'come', 'made', 'may', 'part', 'hello', 'help', 'model', 'answer', 'question', 'explain', 'example',
    'The', 'I', 'It', 'This', 'What', 'How', 'Hello', 'Instruct', 'Output',
  ].map((word) => ` ${word}`),
];

/** Endless made-up words: every 1-, then 2-, then 3-syllable combination of simple consonant-vowel syllables. */
function* syllableWords(): Generator<string> {
  const syllables: string[] = [];
  for (const consonant of 'bdfgklmnprstvz') for (const vowel of 'aeiou') syllables.push(consonant + vowel);
  let words = [''];
  for (;;) {
    const longer: string[] = [];
    for (const word of words) for (const syllable of syllables) longer.push(word + syllable);
    yield* longer;
    words = longer;
  }
}
