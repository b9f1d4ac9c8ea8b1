import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import type { ChatTurn } from '../../../src-main/node/engine/port';
import { formatPhi2Prompt } from '../../../src-main/node/engine/phi2-format';
import { seededRandom, WordList } from '../store/synthetic-text';

/**
 * Counts tokens exactly as the app's engine does (the model's own tokenizer on the Phi-2 prompt format), using a
 * vocabulary-only load of the model in the harness process: no weights, no compute, nothing in the measured
 * processes. Used to write user messages whose prompts have an exact token count.
 */
export class PromptTokenizer {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
  ) {}

  static async open(modelPath: string): Promise<PromptTokenizer> {
    const llama = await getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      usePrebuiltBinaries: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    });
    const model = await llama.loadModel({ modelPath, vocabOnly: true, gpuLayers: 0 });
    return new PromptTokenizer(llama, model);
  }

  /** Tokens of the prompt the app builds for these turns (no system prompt: the app's default is empty). */
  promptTokens(turns: readonly ChatTurn[]): number {
    return this.model.tokenize(formatPhi2Prompt({ turns }), false).length;
  }

  /**
   * A user message that makes the prompt for `[...history, message]` exactly `target` tokens long (or the first
   * length past it, if no prefix of the text hits it exactly). Seeded: the same text every run.
   */
  userMessageFor(history: readonly ChatTurn[], target: number, seed: number): string {
    const words = new WordList(seededRandom(seed), 2000);
    const tokensWith = (text: string): number => this.promptTokens([...history, { role: 'user', content: text }]);
    // Whole sentences while far from the target, then character by character.
    let text = '';
    for (;;) {
      const sentence = `${words.text(6, 14)} `;
      if (tokensWith(text + sentence) <= target - 8) {
        text += sentence;
        continue;
      }
      for (const char of sentence) {
        text += char;
        if (text.trim() === text && tokensWith(text) >= target) return text;
      }
    }
  }

  async close(): Promise<void> {
    await this.model.dispose();
    await this.llama.dispose();
  }
}
