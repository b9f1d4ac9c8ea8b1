import {
  LlamaText,
  SpecialTokensText,
  resolveChatWrapper,
  type ChatHistoryItem,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import type { ContextWindowInput } from './context-window';
import { formatPhi2Prompt, PHI2_STOP_STRINGS } from './phi2-format';

export { chooseChatFormat, type ChatFormatFacts } from './chat-format-choice';

/** How a model's prompts are written: which format, and what text ends its reply. */
export interface ChatFormat {
  /** `phi2`: Phi-2's `Instruct:`/`Output:` format; `template`: the chat template in the model's metadata. */
  kind: 'phi2' | 'template';
  /** A short name for logs and diagnostics (`phi2`, or node-llama-cpp's wrapper for the template). */
  name: string;
  /** The prompt for the next assistant reply, as tokens. */
  tokenize(input: ContextWindowInput): Token[];
  /** The same prompt as text (special tokens spelled out), for tests and diagnostics. */
  promptText(input: ContextWindowInput): string;
  /** Text that ends the reply (never shown). The model's end-of-generation tokens end it too. */
  stopStrings: readonly string[];
}

/** Phi-2's format, tokenized without special tokens (user text can never become a control token). */
export function phi2ChatFormat(model: LlamaModel): ChatFormat {
  return {
    kind: 'phi2',
    name: 'phi2',
    tokenize: (input) => model.tokenize(formatPhi2Prompt(input), false),
    promptText: (input) => formatPhi2Prompt(input),
    stopStrings: PHI2_STOP_STRINGS,
  };
}

/**
 * The model's own chat template, through node-llama-cpp's `resolveChatWrapper` (a specialised wrapper when it
 * recognises the template, else a Jinja renderer of it). User text stays plain text; only the template's own markers
 * are special tokens.
 */
export function templateChatFormat(model: LlamaModel): ChatFormat {
  const wrapper = resolveChatWrapper(model, { warningLogs: false });
  const render = (input: ContextWindowInput): LlamaText => {
    const history: ChatHistoryItem[] = [];
    const system = input.systemPrompt?.trim();
    if (system) history.push({ type: 'system', text: system });
    for (const turn of input.turns) {
      const text = turn.content.trim();
      history.push(turn.role === 'user' ? { type: 'user', text } : { type: 'model', response: [text] });
    }
    history.push({ type: 'model', response: [] }); // the reply being written: its opening marker, left open
    return wrapper.generateContextState({ chatHistory: history }).contextText;
  };
  const { stopGenerationTriggers } = wrapper.generateContextState({ chatHistory: [{ type: 'model', response: [] }] });
  return {
    kind: 'template',
    name: wrapper.wrapperName,
    tokenize: (input) => render(input).tokenize(model.tokenizer),
    promptText: (input) => render(input).toString(),
    stopStrings: [...new Set(stopGenerationTriggers.map(triggerText).filter((text) => text.length > 0))],
  };
}

/**
 * A stop trigger as text (plain and special-token text spelled out), or '' for one with a builtin token (EOS, EOT…):
 * those end generation as tokens already.
 */
function triggerText(trigger: LlamaText): string {
  let text = '';
  for (const value of LlamaText(trigger).values) {
    if (typeof value === 'string') text += value;
    else if (value instanceof SpecialTokensText) text += value.value;
    else return '';
  }
  return text;
}
