import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseChatFormat, phi2ChatFormat, templateChatFormat } from '../../../../src-main/node/engine/chat-format';
import { gguf, writeGguf } from '../../../support/synthetic-model/gguf-writer';
import { LlamaEngine } from '../../../../src-main/node/engine/llama-engine';
import { acquireLlama, type LlamaLease } from '../../../../src-main/node/engine/llama-runtime';
import { inspectModelFile } from '../../../../src-main/node/engine/model-file';
import type { ChatTurn } from '../../../../src-main/node/engine/port';
import { TINY_SHAPE, describeSyntheticPhi2Model } from '../../../support/synthetic-model/synthetic-phi2';
import { getTinyModelPath } from '../../../fixtures/models';

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const conversation: ChatTurn[] = [
  { role: 'user', content: 'What is 2 + 2?' },
  { role: 'assistant', content: '4.' },
  { role: 'user', content: 'And times 3?' },
];

let dir: string;
let lease: LlamaLease;
let templated: string;
let templatedVocab: LlamaModel;
let plainVocab: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phi-desk-format-'));
  lease = await acquireLlama();
  // A phi2 model that carries a ChatML template (as Phi-2 chat fine-tunes do).
  templated = join(dir, 'phi2-chatml.gguf');
  const model = describeSyntheticPhi2Model(TINY_SHAPE, 1);
  await writeGguf(templated, { ...model, metadata: [...model.metadata, ['tokenizer.chat_template', gguf.str(CHATML_TEMPLATE)]] });
  templatedVocab = await lease.llama.loadModel({ modelPath: templated, vocabOnly: true });
  plainVocab = await lease.llama.loadModel({ modelPath: await getTinyModelPath(), vocabOnly: true });
});

afterAll(async () => {
  await templatedVocab?.dispose();
  await plainVocab?.dispose();
  await lease?.release();
  await rm(dir, { recursive: true, force: true });
});

describe('chooseChatFormat', () => {
  it('uses a chat template when the model has one, Phi-2 format for phi2 without one, and refuses the rest', () => {
    expect(chooseChatFormat({ architecture: 'phi2', hasChatTemplate: false })).toBe('phi2');
    expect(chooseChatFormat({ architecture: 'phi2', hasChatTemplate: true })).toBe('template');
    expect(chooseChatFormat({ architecture: 'llama', hasChatTemplate: true })).toBe('template');
    expect(chooseChatFormat({ architecture: 'qwen2', hasChatTemplate: true })).toBe('template');
    expect(chooseChatFormat({ architecture: 'llama', hasChatTemplate: false })).toBeNull();
  });

  it('reads whether a file has a template from its header', async () => {
    expect((await inspectModelFile(templated)).hasChatTemplate).toBe(true);
    expect((await inspectModelFile(await getTinyModelPath())).hasChatTemplate).toBe(false);
  });
});

describe('template chat format', () => {
  it("renders system prompt and turns with the model's template, leaving the reply open", () => {
    const format = templateChatFormat(templatedVocab);
    expect(format.kind).toBe('template');
    // `BOS` is node-llama-cpp's spelling of the begin-of-sequence token the ChatML wrapper starts with.
    expect(format.promptText({ systemPrompt: ' Be brief. ', turns: conversation })).toBe(
      'BOS<|im_start|>system\nBe brief.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n' +
        '<|im_start|>assistant\n4.<|im_end|>\n' +
        '<|im_start|>user\nAnd times 3?<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    expect(format.stopStrings).toContain('<|im_end|>');
  });

  it('the Phi-2 format stays the one for phi2 models without a template', () => {
    const format = phi2ChatFormat(plainVocab);
    expect(format.promptText({ systemPrompt: 'Be brief.', turns: conversation })).toBe(
      'Be brief.\nInstruct: What is 2 + 2?\nOutput: 4.\nInstruct: And times 3?\nOutput:',
    );
    expect(format.stopStrings).toContain('\nInstruct:');
  });

  it('the engine writes prompts with the template when the model has one', async () => {
    const engine = new LlamaEngine({ threads: 1 });
    try {
      await engine.load(templated);
      const request = { systemPrompt: 'Be brief.', turns: conversation, settings: { seed: 1, maxTokens: 8 } };
      const result = await engine.generate(request);
      const templateTokens = templateChatFormat(templatedVocab).tokenize(request).length;
      const phi2Tokens = phi2ChatFormat(templatedVocab).tokenize(request).length;
      expect(templateTokens).not.toBe(phi2Tokens);
      expect(result.stats.promptTokens).toBe(templateTokens);
      expect(result.text).not.toContain('<|im_end|>');
    } finally {
      await engine.dispose();
    }
  });
});
