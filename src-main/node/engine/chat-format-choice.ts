/** The prompt formats the engine can write: Phi-2's own, or the chat template in a model's metadata. */
export type ChatFormatKind = 'phi2' | 'template';

/** What decides the format: the file's architecture and whether it carries a chat template. */
export interface ChatFormatFacts {
  architecture: string;
  hasChatTemplate: boolean;
}

/**
 * Which format a model gets, or `null` if the app cannot write prompts for it:
 * - a chat template in the metadata (`tokenizer.chat_template`) always wins: it is what the model (a fine-tune, or
 *   any other architecture) was trained to read;
 * - a `phi2` model without one (the original Phi-2, a base model) gets Phi-2's documented QA format;
 * - any other model without a template is refused, rather than guessing a generic `### Human:` format it was never
 *   trained on.
 */
export function chooseChatFormat(facts: ChatFormatFacts): ChatFormatKind | null {
  if (facts.hasChatTemplate) return 'template';
  if (facts.architecture === 'phi2') return 'phi2';
  return null;
}
