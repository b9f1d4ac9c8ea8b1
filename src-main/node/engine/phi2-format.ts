import type { ChatTurn } from './port';

/**
 * Phi-2's prompt format. Phi-2 is a base model without a chat template; its model card documents a QA format,
 *
 *     Instruct: <prompt>\nOutput:
 *
 * which we extend to a conversation by repeating it, each earlier answer written after its `Output:`:
 *
 *     <system prompt>\n
 *     Instruct: <user 1>\nOutput: <assistant 1>\n
 *     Instruct: <user 2>\nOutput:
 *
 * Whitespace, chosen deliberately:
 * - Every part is trimmed, so stray spaces or blank lines in a message cannot break the pattern; newlines inside a
 *   message are kept.
 * - One `\n` separates the system prompt, the turns, and `Instruct:` from `Output:`, exactly as on the model card.
 * - The prompt ends with `Output:` and *no* space: GPT-2's tokenizer attaches a space to the following word
 *   (`" Hello"` is one token), so the model writes the space itself; a trailing space would leave it a lone space
 *   token it never saw in training. An earlier answer is written after `Output: ` with that one space, matching what
 *   the model produced, so the tokens of a finished reply re-tokenize the same and the KV cache can be reused.
 * - The reply's own leading and trailing whitespace is dropped (`ReplyTextFilter`).
 */
export interface Phi2PromptInput {
  /** Placed first, on its own line. Empty or whitespace-only = none. */
  systemPrompt?: string;
  /** Oldest first; ends with the user's message to answer. */
  turns: readonly ChatTurn[];
}

/** The label before a user's message. */
const INSTRUCT_LABEL = 'Instruct:';
/** The label before an answer; the prompt ends with it. */
const OUTPUT_LABEL = 'Output:';

/**
 * Builds the prompt text for the next assistant reply.
 * Consecutive turns of the same role are written as separate blocks; an `assistant` turn without a preceding user
 * turn gets an `Output:` block of its own. If the last turn is not a user turn the prompt still ends with
 * `Output:` (the model then continues the conversation as the assistant).
 */
export function formatPhi2Prompt(input: Phi2PromptInput): string {
  const parts: string[] = [];
  const system = input.systemPrompt?.trim() ?? '';
  if (system) parts.push(system);
  let awaitingOutput = false;
  for (const turn of input.turns) {
    const content = turn.content.trim();
    if (turn.role === 'user') {
      if (awaitingOutput) parts.push(OUTPUT_LABEL); // an unanswered earlier message
      parts.push(`${INSTRUCT_LABEL} ${content}`);
      awaitingOutput = true;
    } else {
      parts.push(`${OUTPUT_LABEL} ${content}`);
      awaitingOutput = false;
    }
  }
  parts.push(OUTPUT_LABEL);
  return parts.join('\n');
}

/**
 * Text that ends Phi-2's reply. Phi-2 does not reliably emit `<|endoftext|>`; after answering it tends to start a
 * new exercise in the style of its training data, so each label below, at the start of a line, means the answer is
 * over. `<|endoftext|>` is included for when it arrives spelled out as plain text rather than as the control token.
 */
export const PHI2_STOP_STRINGS: readonly string[] = [
  '<|endoftext|>',
  `\n${INSTRUCT_LABEL}`,
  '\nInstruction:',
  `\n${OUTPUT_LABEL}`,
  '\nUser:',
  '\nAssistant:',
  '\nQuestion:',
  '\nExercise:',
  '\nAlice:',
  '\nBob:',
];
