import { describe, expect, it } from 'vitest';
import { PHI2_STOP_STRINGS, formatPhi2Prompt } from '../../../../src-main/node/engine/phi2-format';
import { ReplyTextFilter, StopTextFilter } from '../../../../src-main/node/engine/stop-text-filter';

describe('formatPhi2Prompt', () => {
  it('writes a single question in the model card QA format, ending with "Output:" and no space', () => {
    expect(formatPhi2Prompt({ turns: [{ role: 'user', content: 'What is a prime number?' }] })).toBe(
      'Instruct: What is a prime number?\nOutput:',
    );
  });

  it('puts the system prompt first, then every turn, answers after "Output: "', () => {
    const prompt = formatPhi2Prompt({
      systemPrompt: 'You are a concise tutor.',
      turns: [
        { role: 'user', content: 'What is 2 + 2?' },
        { role: 'assistant', content: '4.' },
        { role: 'user', content: 'And times 3?' },
      ],
    });
    expect(prompt).toBe(
      'You are a concise tutor.\n' +
        'Instruct: What is 2 + 2?\n' +
        'Output: 4.\n' +
        'Instruct: And times 3?\n' +
        'Output:',
    );
  });

  it('trims each part but keeps newlines inside a message', () => {
    const prompt = formatPhi2Prompt({
      systemPrompt: '  \n Be brief. \n',
      turns: [
        { role: 'user', content: '\n  Line one\nline two  \n\n' },
        { role: 'assistant', content: ' Sure:\n- a\n- b \n' },
        { role: 'user', content: 'More?' },
      ],
    });
    expect(prompt).toBe('Be brief.\nInstruct: Line one\nline two\nOutput: Sure:\n- a\n- b\nInstruct: More?\nOutput:');
  });

  it('leaves out an empty or blank system prompt', () => {
    const turns = [{ role: 'user' as const, content: 'Hi' }];
    expect(formatPhi2Prompt({ systemPrompt: '', turns })).toBe('Instruct: Hi\nOutput:');
    expect(formatPhi2Prompt({ systemPrompt: ' \n ', turns })).toBe('Instruct: Hi\nOutput:');
  });

  it('gives an unanswered earlier message an empty Output, so every Instruct keeps its own answer slot', () => {
    const prompt = formatPhi2Prompt({
      turns: [
        { role: 'user', content: 'First' },
        { role: 'user', content: 'Second' },
      ],
    });
    expect(prompt).toBe('Instruct: First\nOutput:\nInstruct: Second\nOutput:');
  });

  it('makes the previous prompt a prefix of the follow-up prompt (so the KV cache can be reused)', () => {
    const first = formatPhi2Prompt({ systemPrompt: 'S', turns: [{ role: 'user', content: 'Q1' }] });
    const followUp = formatPhi2Prompt({
      systemPrompt: 'S',
      turns: [
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'Q2' },
      ],
    });
    expect(followUp.startsWith(first)).toBe(true);
  });
});

describe('PHI2_STOP_STRINGS', () => {
  it('covers the end-of-text marker and the labels Phi-2 starts a new exercise with', () => {
    for (const stop of ['<|endoftext|>', '\nInstruct:', '\nUser:', '\nQuestion:', '\nExercise:', '\nOutput:']) {
      expect(PHI2_STOP_STRINGS).toContain(stop);
    }
  });
});

/** Feeds the pieces through a filter and returns what it let out, piece by piece, plus the flush. */
function run(filter: { push(text: string): string; flush(): string }, pieces: string[]): string[] {
  return [...pieces.map((piece) => filter.push(piece)), filter.flush()];
}

describe('StopTextFilter', () => {
  const stops = ['\nInstruct:', '<|endoftext|>'];

  it('passes text without stop strings straight through', () => {
    const filter = new StopTextFilter(stops);
    expect(run(filter, ['Hello', ' world', '!'])).toEqual(['Hello', ' world', '!', '']);
    expect(filter.stopped).toBe(false);
  });

  it('never leaks a stop string split across deltas, whatever the split', () => {
    const text = 'The answer is 4.\nInstruct: now something else';
    for (let a = 1; a < text.length - 1; a++) {
      for (let b = a + 1; b < text.length; b++) {
        const filter = new StopTextFilter(stops);
        const out = run(filter, [text.slice(0, a), text.slice(a, b), text.slice(b)]);
        expect(out.join('')).toBe('The answer is 4.');
        expect(filter.stopped).toBe(true);
        expect(filter.stopText).toBe('\nInstruct:');
      }
    }
  });

  it('holds back a possible stop prefix and releases it once it turns out not to be one', () => {
    const filter = new StopTextFilter(stops);
    expect(filter.push('Line one\nIns')).toBe('Line one');
    expect(filter.push('tructions follow')).toBe('\nInstructions follow');
    expect(filter.stopped).toBe(false);
  });

  it('releases a held prefix at the end of the stream', () => {
    const filter = new StopTextFilter(stops);
    expect(run(filter, ['Bye\nInstr'])).toEqual(['Bye', '\nInstr']);
  });

  it('delivers one character at a time correctly', () => {
    const filter = new StopTextFilter(stops);
    const out = run(filter, [...'a<b<|end<|endoftext|>ignored']);
    expect(out.join('')).toBe('a<b<|end');
    expect(filter.stopText).toBe('<|endoftext|>');
  });

  it('cuts at the earliest stop string when several appear', () => {
    const filter = new StopTextFilter(stops);
    expect(filter.push('x<|endoftext|>y\nInstruct: z')).toBe('x');
    expect(filter.push('more')).toBe('');
    expect(filter.flush()).toBe('');
  });
});

describe('ReplyTextFilter', () => {
  it('drops the leading space the model writes after "Output:" and trailing whitespace at the end', () => {
    const filter = new ReplyTextFilter(PHI2_STOP_STRINGS);
    const out = run(filter, [' ', ' Paris', ' is', ' the capital.', '\n', '\n']);
    expect(out.join('')).toBe('Paris is the capital.');
    expect(out.at(-1)).toBe('');
  });

  it('keeps whitespace between words once more text follows it', () => {
    const filter = new ReplyTextFilter(PHI2_STOP_STRINGS);
    expect(run(filter, ['One.', '\n\n', 'Two.']).join('')).toBe('One.\n\nTwo.');
  });

  it('ends the reply at "\\nInstruct:" without leaking any of it or the newline before it', () => {
    const filter = new ReplyTextFilter(PHI2_STOP_STRINGS);
    const out = run(filter, [' 42', '.', '\n', '\n', 'Inst', 'ruct', ':', ' What', ' next?']);
    expect(out.join('')).toBe('42.');
    expect(out.some((piece) => piece.includes('Inst') || piece.includes('\n'))).toBe(false);
    expect(filter.stopped).toBe(true);
  });

  it('returns nothing for a reply that is only whitespace', () => {
    expect(run(new ReplyTextFilter(PHI2_STOP_STRINGS), [' ', '\n', '\t']).join('')).toBe('');
  });
});
