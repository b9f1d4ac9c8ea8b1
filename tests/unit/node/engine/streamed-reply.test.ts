import { describe, expect, it } from 'vitest';
import { StreamedReply } from '../../../../src-main/node/engine/process/streamed-reply';
import type { GenerateRequest, GenerateResult } from '../../../../src-main/node/engine/port';

const request: GenerateRequest = { turns: [{ role: 'user', content: 'Hello' }] };

function engineResult(text: string): GenerateResult {
  return {
    text,
    stopReason: 'aborted',
    stats: {
      promptTokens: 4,
      evaluatedPromptTokens: 4,
      generatedTokens: 3,
      timeToFirstTokenMs: 1,
      tokensPerSecond: 1,
      stopReason: 'aborted',
    },
    context: { turnsInView: 1, turnsDropped: 0, promptTokens: 4 },
  };
}

describe('a reply streamed in from the engine process', () => {
  it('forwards nothing written after the caller aborted, and answers with the text the caller was shown', () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const reply = new StreamedReply(request, { signal: controller.signal, onText: (d) => seen.push(d) }, 0);
    reply.onText('one');
    reply.onText(' two');
    controller.abort();
    reply.onText(' three'); // already on the pipe when the abort was sent
    const result = reply.withHostTiming(engineResult('one two three'));
    expect(seen).toEqual(['one', ' two']);
    expect(result.text).toBe('one two');
  });

  it('keeps the engine’s text when the caller did not abort', () => {
    const seen: string[] = [];
    const reply = new StreamedReply(request, { onText: (d) => seen.push(d) }, 0);
    reply.onText('one');
    const result = reply.withHostTiming({ ...engineResult('one'), stopReason: 'maxTokens' });
    expect(seen).toEqual(['one']);
    expect(result.text).toBe('one');
  });
});
