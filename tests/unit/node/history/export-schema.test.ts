import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ExportFileSchema, treeProblem } from '../../../../src-main/node/store/history-schema';
import { schemaErrors } from '../../../fixtures/export-schema';

/**
 * The committed JSON Schema (resources/schemas/phi-desk-history.schema.json) says what the app's own reader accepts:
 * a document the import takes passes it, and each way of breaking one that the import refuses, the schema refuses too
 * (the tree's links, which JSON Schema cannot express, aside).
 */
function valid() {
  return {
    format: 'phi-desk-export',
    version: 1,
    exportedAt: 1_767_225_600_000,
    app: { name: 'Phi Desk', version: '0.1.0' },
    conversations: [
      {
        id: 'c1',
        title: 'Trip',
        createdAt: 1,
        updatedAt: 2,
        pinned: false,
        archived: true,
        systemPrompt: null,
        generation: { temperature: 0.2, seed: null },
        model: 'phi-2',
        source: 'quick',
        origin: 'chatgpt:abc',
        currentLeafId: 'm2',
        messages: [
          { id: 'm1', parentId: null, role: 'user', content: 'Hi', status: 'complete', createdAt: 1, stats: null, error: null },
          {
            id: 'm2',
            parentId: 'm1',
            role: 'assistant',
            content: 'Hello',
            status: 'error',
            createdAt: 2,
            stats: { promptTokens: 3, evaluatedPromptTokens: 3, generatedTokens: 1, timeToFirstTokenMs: 5, tokensPerSecond: 2.5, stopReason: 'error', model: 'big-model.gguf · Lab GPU' },
            error: 'out of memory',
          },
        ],
      },
    ],
  };
}

type Document = ReturnType<typeof valid>;
const appAccepts = (document: unknown): boolean => v.safeParse(ExportFileSchema, document).success;

describe('the committed JSON Schema', () => {
  it('accepts what the app writes and reads', () => {
    expect(schemaErrors(valid())).toEqual([]);
    expect(appAccepts(valid())).toBe(true);
    expect(treeProblem(valid().conversations[0] as never)).toBeNull();
    expect(schemaErrors({ ...valid(), conversations: [] })).toEqual([]);
  });

  const breakages: Array<[string, (document: Document) => void]> = [
    ['another format', (d) => void Object.assign(d, { format: 'chatgpt' })],
    ['a newer version', (d) => void Object.assign(d, { version: 2 })],
    ['no exportedAt', (d) => void delete (d as Partial<Document>).exportedAt],
    ['a system message', (d) => void Object.assign(d.conversations[0]!.messages[0]!, { role: 'system' })],
    ['an unknown status', (d) => void Object.assign(d.conversations[0]!.messages[0]!, { status: 'done' })],
    ['an empty title', (d) => void Object.assign(d.conversations[0]!, { title: '' })],
    ['a fractional time', (d) => void Object.assign(d.conversations[0]!, { createdAt: 1.5 })],
    ['a negative time', (d) => void Object.assign(d.conversations[0]!.messages[1]!, { createdAt: -1 })],
    ['an unknown sampling setting', (d) => void Object.assign(d.conversations[0]!.generation, { temprature: 1 })],
    ['a temperature out of range', (d) => void Object.assign(d.conversations[0]!.generation, { temperature: 3 })],
    ['no currentLeafId', (d) => void delete (d.conversations[0] as Partial<Document['conversations'][0]>).currentLeafId],
    ['an unknown source', (d) => void Object.assign(d.conversations[0]!, { source: 'spotlight' })],
    ['an empty origin', (d) => void Object.assign(d.conversations[0]!, { origin: '' })],
    ['a stop reason it does not know', (d) => void Object.assign(d.conversations[0]!.messages[1]!.stats!, { stopReason: 'bored' })],
    ['a message without stats', (d) => void delete (d.conversations[0]!.messages[0] as Partial<Document['conversations'][0]['messages'][0]>).stats],
    ['text as a number', (d) => void Object.assign(d.conversations[0]!.messages[0]!, { content: 42 })],
    ['a reply model that is not text', (d) => void Object.assign(d.conversations[0]!.messages[1]!.stats!, { model: 7 })],
  ];

  it.each(breakages)('refuses, as the app does, %s', (_name, breakIt) => {
    const document = valid();
    breakIt(document);
    expect(appAccepts(document)).toBe(false);
    expect(schemaErrors(document)).not.toEqual([]);
  });
});
