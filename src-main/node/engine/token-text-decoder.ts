import type { Token } from 'node-llama-cpp';

/** The part of a node-llama-cpp model the decoder needs (`LlamaModel.detokenize`). */
export interface Detokenizer {
  detokenize(tokens: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]): string;
}

/**
 * Turns a stream of generated tokens into text pieces without ever splitting a UTF-8 character.
 *
 * A byte-level token can hold part of a character ("日" is three byte tokens in a GPT-2 vocabulary). Decoding it on
 * its own gives U+FFFD, so while the text of the undecided tokens ends in U+FFFD they are held back and decoded
 * together with the next ones. A character needs at most four bytes, hence at most four tokens: after that the
 * U+FFFD is genuine (the model produced invalid UTF-8) and is released as it is.
 */
export class TokenTextDecoder {
  private pending: Token[] = [];
  private context: Token[];

  /**
   * @param precedingTokens the tokens just before the first generated one (the end of the prompt), which some
   *   tokenizers need to decide on a leading space.
   */
  constructor(
    private readonly model: Detokenizer,
    precedingTokens: readonly Token[] = [],
  ) {
    this.context = precedingTokens.slice(-CONTEXT_TOKENS);
  }

  /** Adds a generated token; returns the text that is now complete (often empty while a character is unfinished). */
  push(token: Token): string {
    this.pending.push(token);
    const text = this.model.detokenize(this.pending, false, this.context);
    if (text.endsWith(REPLACEMENT_CHARACTER) && this.pending.length < MAX_UTF8_BYTES) return '';
    this.commit();
    return text;
  }

  /** Ends the stream; returns the text of any held-back tokens. */
  flush(): string {
    if (this.pending.length === 0) return '';
    const text = this.model.detokenize(this.pending, false, this.context);
    this.commit();
    return text;
  }

  private commit(): void {
    this.context = [...this.context, ...this.pending].slice(-CONTEXT_TOKENS);
    this.pending = [];
  }
}

const REPLACEMENT_CHARACTER = '\uFFFD';
const MAX_UTF8_BYTES = 4;
const CONTEXT_TOKENS = 8;
