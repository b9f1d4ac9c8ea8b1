import { describe, expect, it } from 'vitest';
import { describeStats } from '../../../src-renderer/lib/format';
import {
  generationDraft,
  readGenerationOverrides,
  readGenerationSettings,
} from '../../../src-renderer/lib/settings-form';

const DEFAULTS = { temperature: 0.7, topP: 0.9, topK: 40, repeatPenalty: 1.1, seed: null, maxTokens: 512 };

describe('the settings form', () => {
  it('reads back the settings it shows (an empty seed is random)', () => {
    const draft = generationDraft(DEFAULTS);
    expect(draft.seed).toBe('');
    expect(readGenerationSettings(draft)).toEqual({ ok: true, value: DEFAULTS });
    expect(readGenerationSettings({ ...draft, seed: ' 42 ' })).toEqual({ ok: true, value: { ...DEFAULTS, seed: 42 } });
  });

  it('says in words what is wrong with each field', () => {
    const draft = { ...generationDraft(DEFAULTS), temperature: '2.5', topK: '1.5', maxTokens: '', topP: 'abc' };
    expect(readGenerationSettings(draft)).toEqual({
      ok: false,
      errors: {
        temperature: 'Temperature must be a number from 0 to 2.',
        topK: 'Top-k must be a whole number from 0 to 1,000.',
        maxTokens: 'Longest reply (tokens) cannot be empty.',
        topP: 'Top-p must be a number from 0 to 1.',
      },
    });
  });

  it('takes only the filled fields as a conversation’s overrides', () => {
    const draft = { ...generationDraft({}), temperature: '1.5', maxTokens: '64' };
    expect(readGenerationOverrides(draft)).toEqual({ ok: true, value: { temperature: 1.5, maxTokens: 64 } });
    expect(readGenerationOverrides(generationDraft({}))).toEqual({ ok: true, value: {} });
    expect(readGenerationOverrides({ ...draft, repeatPenalty: '0.5' })).toEqual({
      ok: false,
      errors: { repeatPenalty: 'Repeat penalty must be a number from 1 to 2.' },
    });
  });
});

describe('reply figures', () => {
  const stats = {
    promptTokens: 10,
    evaluatedPromptTokens: 10,
    generatedTokens: 42,
    timeToFirstTokenMs: 350,
    tokensPerSecond: 12.345,
    stopReason: 'maxTokens' as const,
  };

  it('reads as tokens, speed, time to first token and why it ended', () => {
    expect(describeStats(stats)).toEqual(['42 tokens', '12.3 tokens/s', 'first token in 0.35 s', 'Reached the length limit']);
    expect(describeStats({ ...stats, generatedTokens: 1, stopReason: 'eos' })).toEqual([
      '1 token',
      '12.3 tokens/s',
      'first token in 0.35 s',
      'Finished',
    ]);
  });

  it('leaves out speed and first token for a reply stopped before its first token', () => {
    expect(describeStats({ ...stats, generatedTokens: 0, tokensPerSecond: 0, stopReason: 'aborted' })).toEqual([
      '0 tokens',
      'Stopped',
    ]);
  });
});
