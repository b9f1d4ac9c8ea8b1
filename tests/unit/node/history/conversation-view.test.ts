import { describe, expect, it } from 'vitest';
import { statsNote } from '../../../../src-main/node/history/formats/conversation-view';
import type { ExportedMessage } from '../../../../src-main/node/store/history-schema';

// The figures written under a reply in the readable exports (Markdown and HTML).

const reply = (stats: ExportedMessage['stats']): ExportedMessage => ({
  id: 'm2',
  parentId: 'm1',
  role: 'assistant',
  content: 'Hello',
  status: 'complete',
  createdAt: 2,
  stats,
  error: null,
});
const figures = { promptTokens: 3, evaluatedPromptTokens: 3, generatedTokens: 1, timeToFirstTokenMs: 5, tokensPerSecond: 2.5, stopReason: 'eos' } as const;

describe('statsNote', () => {
  it('says how long and how fast a reply was, in agreeing words, and which model wrote it when known', () => {
    expect(statsNote(reply(figures))).toBe('1 token, 2.5 tokens/s');
    expect(statsNote(reply({ ...figures, generatedTokens: 1024 }))).toBe('1,024 tokens, 2.5 tokens/s');
    expect(statsNote(reply({ ...figures, model: 'big-model.gguf · Lab GPU' }))).toBe('1 token, 2.5 tokens/s, big-model.gguf · Lab GPU');
  });

  it('writes nothing for a reply without figures or for the user’s own message', () => {
    expect(statsNote(reply(null))).toBeNull();
    expect(statsNote({ ...reply(figures), role: 'user' })).toBeNull();
  });
});
