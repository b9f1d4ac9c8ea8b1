import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryProgressEvents } from '../../../../src-main/common/contract';
import type { AppClient } from '../../../../src-main/common/app-rpc';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { fromChatGpt } from '../../../../src-main/node/history/import/chatgpt';
import { chatGptConversation, richConversation } from '../../../fixtures/chatgpt-export';
import { expectValidExport } from '../../../fixtures/export-schema';
import { writeZip } from '../../../fixtures/zip-files';
import { startHarness, tempDataDir, type Harness } from '../host/compose-harness';

/**
 * Importing ChatGPT's export (fixtures in the shape of real exports: tests/fixtures/chatgpt-export.ts) into a real
 * store: every branch and the one shown, hidden nodes skipped with their children kept, code and its output as fenced
 * blocks, pictures noted and counted, missing titles, times and metadata tolerated; the zip, the plain file and the
 * split files; twice without adding anything the second time; a cut file reported, never half added.
 */

let data: ReturnType<typeof tempDataDir>;
let files: ReturnType<typeof tempDataDir>;
const harnesses: Harness[] = [];

beforeEach(() => {
  data = tempDataDir();
  files = tempDataDir();
});

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
  data.remove();
  files.remove();
});

function boot(dir = data.dir): Harness {
  const harness = startHarness(dir, new ScriptedEngine({ initialModelPath: path.join(dir, 'tiny.gguf') }));
  harnesses.push(harness);
  return harness;
}

function write(name: string, content: unknown): string {
  const file = path.join(files.dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function importPaths(client: AppClient, paths: string[]) {
  const events: HistoryProgressEvents[] = [];
  const result = await client.call('history.import', { paths }, { onEvent: (event) => events.push(event) });
  return { result, events };
}

/** What the store holds, in a form to compare: titles, and each conversation's tree with its text. */
function stored(harness: Harness) {
  const history = harness.app.store.history;
  return history.conversationIds().map((id) => {
    const conversation = history.readConversation(id);
    const index = new Map(conversation.messages.map((message, at) => [message.id, at]));
    return {
      title: conversation.title,
      model: conversation.model,
      origin: conversation.origin,
      createdAt: conversation.createdAt,
      currentLeaf: conversation.currentLeafId === null ? null : index.get(conversation.currentLeafId),
      messages: conversation.messages.map((message) => ({
        parent: message.parentId === null ? null : index.get(message.parentId),
        role: message.role,
        content: message.content,
        createdAt: message.createdAt,
      })),
    };
  });
}

const BASE_MS = 1_700_000_000_000;

describe('ChatGPT import', () => {
  it('keeps every branch and the one shown, skips hidden nodes but keeps their children, fences code and output, notes pictures', async () => {
    const a = boot();
    const file = write('conversations.json', [richConversation()]);
    const { result, events } = await importPaths(a.client, [file]);
    expect(result).toMatchObject({ imported: 1, skipped: 0, failed: [], messages: 6, omitted: 1, formats: ['chatgpt'] });
    expect(events.at(-1)).toMatchObject({ unit: 'bytes', done: readFileSync(file).length, conversations: 1, messages: 6 });

    const [conversation] = stored(a);
    expect(conversation).toEqual({
      title: 'Plotting a sine wave',
      model: 'gpt-4o',
      origin: 'chatgpt:c0ffee00-0000-4000-8000-000000000001',
      createdAt: BASE_MS,
      currentLeaf: 2, // the regenerated answer, as `current_node` says
      messages: [
        // The hidden system message and the custom instructions are gone; both questions hang from the top.
        { parent: null, role: 'user', content: 'How do I plot a sine wave?', createdAt: BASE_MS + 20_123 },
        { parent: 0, role: 'assistant', content: 'Use numpy and matplotlib.', createdAt: BASE_MS + 30_123 },
        { parent: 0, role: 'assistant', content: 'With matplotlib: plt.plot(x, np.sin(x)).', createdAt: BASE_MS + 40_123 },
        // No time: the conversation's.
        { parent: null, role: 'user', content: 'How do I plot a sine wave in Python? Show me.', createdAt: BASE_MS },
        // The code, its output (a tool node) and the answer: one reply, in order.
        {
          parent: 3,
          role: 'assistant',
          content: '```python\nimport numpy as np\nprint(np.sin(0))\n```\n\n```output\n0.0\n```\n\nHere is the plot:\n\nIt starts at 0.0.',
          createdAt: BASE_MS + 60_123,
        },
        { parent: 4, role: 'user', content: '[image omitted]\n\nWhat does this picture show?', createdAt: BASE_MS + 90_123 },
      ],
    });
    // The branch shown in the window is the one `current_node` named.
    const [listed] = await a.client.call('conversations.list', {});
    const view = await a.client.call('conversations.get', { id: listed!.id });
    expect(view.messages.map((message) => message.content)).toEqual(['How do I plot a sine wave?', 'With matplotlib: plt.plot(x, np.sin(x)).']);
    // Searchable, also in a branch not shown.
    expect((await a.client.call('search.query', { query: 'numpy' })).messages.length).toBeGreaterThan(0);
  });

  it('imports twice without adding anything the second time (keyed on the ChatGPT id), also after a round through our JSON', async () => {
    const a = boot();
    const file = write('conversations.json', [richConversation(), chatGptConversation({ id: 'second', title: 'Haiku', messages: [
      { id: 'q', parent: null, role: 'user', content: 'A haiku about rain' },
      { id: 'r', parent: 'q', role: 'assistant', content: 'Soft rain on the roof' },
    ] })]);
    expect((await importPaths(a.client, [file])).result).toMatchObject({ imported: 2, skipped: 0 });
    expect((await importPaths(a.client, [file])).result).toMatchObject({ imported: 0, skipped: 2, messages: 0 });
    expect(a.app.store.history.conversationIds()).toHaveLength(2);

    // A renamed conversation is still the same one: the key is ChatGPT's id, not the title.
    const [first] = await a.client.call('conversations.list', {});
    await a.client.call('conversations.rename', { id: first!.id, title: 'Renamed here' });
    expect((await importPaths(a.client, [file])).result).toMatchObject({ imported: 0, skipped: 2 });

    // Our JSON export carries the key: moved to another machine, the ChatGPT file adds nothing there either.
    const json = path.join(files.dir, 'phi.json');
    await a.client.call('history.export', { path: json, format: 'json' });
    expectValidExport(JSON.parse(readFileSync(json, 'utf8')));
    const other = tempDataDir();
    try {
      const b = boot(other.dir);
      expect((await importPaths(b.client, [json])).result).toMatchObject({ imported: 2 });
      expect((await importPaths(b.client, [file])).result).toMatchObject({ imported: 0, skipped: 2 });
    } finally {
      await harnesses.pop()?.close();
      other.remove();
    }

    // Deleted (even within its undo window), it comes back on import.
    await a.client.call('conversations.delete', { id: first!.id });
    expect((await importPaths(a.client, [file])).result).toMatchObject({ imported: 1, skipped: 1 });
  });

  it('tolerates a null title, null times, missing metadata; reports a conversation it cannot use and goes on', async () => {
    const a = boot();
    const untitled = chatGptConversation({
      id: 'untitled',
      title: null,
      createTime: null,
      updateTime: null,
      messages: [
        { id: 'q', parent: null, role: 'user', content: 'What is the tallest mountain on Earth, measured from sea level?', time: null, noMetadata: true },
        { id: 'r', parent: 'q', role: 'assistant', content: 'Mount Everest.', time: 1_700_000_500, noMetadata: true },
      ],
    });
    const onlyHidden = chatGptConversation({
      id: 'hidden-only',
      title: 'Nothing shown',
      messages: [{ id: 's', parent: null, role: 'system', content: 'You are ChatGPT', hidden: true }],
    });
    const file = write('conversations.json', [untitled, { title: 'No mapping at all' }, onlyHidden, 42]);
    const { result } = await importPaths(a.client, [file]);
    expect(result.imported).toBe(1);
    expect(result.failed).toEqual([
      { file, conversation: 'No mapping at all', reason: 'it has no "mapping" of messages' },
      { file, conversation: 'Nothing shown', reason: 'it has no messages that ChatGPT shows' },
      { file, conversation: 'conversation 4', reason: 'it is not a conversation object' },
    ]);
    const [conversation] = stored(a);
    expect(conversation).toMatchObject({
      title: 'What is the tallest mountain on Earth, measured from sea level?'.slice(0, 59) + '…',
      // No time for the conversation nor its first message: the first time known is the reply's.
      messages: [
        { role: 'user', createdAt: expect.any(Number) },
        { role: 'assistant', createdAt: 1_700_000_500_000 },
      ],
    });
  });

  it('reads the zip, the split files in their order, and a zip of split files', async () => {
    let started = 1_700_000_000;
    const one = (id: string, text: string) =>
      chatGptConversation({ id, title: text, createTime: (started += 100), messages: [{ id: `${id}-q`, parent: null, role: 'user', content: text }] });
    const a = boot();
    // Split files given out of order: read as 000, 001.
    const second = write('conversations-001.json', [one('s2', 'Second file')]);
    const first = write('conversations-000.json', [one('s1', 'First file')]);
    const split = await importPaths(a.client, [second, first]);
    expect(split.result).toMatchObject({ imported: 2, formats: ['chatgpt'] });
    const titles = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => (await a.client.call('conversations.get', { id })).conversation.title));
    expect(await titles(split.result.conversationIds)).toEqual(['First file', 'Second file']);

    const zip = path.join(files.dir, 'chatgpt-export.zip');
    await writeZip(zip, {
      'conversations.json': JSON.stringify([richConversation(), one('z1', 'From the zip')]),
      'chat.html': '<html><body>ChatGPT</body></html>',
      'user.json': JSON.stringify({ id: 'user-1', email: 'me@example.com' }),
      'file-abc.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    const b = boot(files.dir + '-b');
    try {
      const { result } = await importPaths(b.client, [zip]);
      expect(result).toMatchObject({ imported: 2, omitted: 1, formats: ['chatgpt'] });
      expect((await importPaths(b.client, [zip])).result).toMatchObject({ imported: 0, skipped: 2 });
    } finally {
      await harnesses.pop()?.close();
    }

    const splitZip = path.join(files.dir, 'split.zip');
    await writeZip(splitZip, {
      'export/conversations-001.json': JSON.stringify([one('y2', 'Zip part two')]),
      'export/conversations-000.json': JSON.stringify([one('y1', 'Zip part one')]),
    });
    const { result } = await importPaths(a.client, [splitZip]);
    expect(result).toMatchObject({ imported: 2 });
    expect(await titles(result.conversationIds)).toEqual(['Zip part one', 'Zip part two']);
  });

  it('a file cut short: the conversations before the cut are added, the cut one is not, and the report says so', async () => {
    const a = boot();
    const whole = JSON.stringify([
      chatGptConversation({ id: 'k1', title: 'Kept', messages: [{ id: 'q', parent: null, role: 'user', content: 'Hello there' }] }),
      richConversation(),
    ]);
    const file = write('conversations.json', whole.slice(0, whole.length - 200));
    const { result } = await importPaths(a.client, [file]);
    expect(result.imported).toBe(1);
    expect(result.failed).toEqual([
      { file, conversation: 'the conversations after the first 1', reason: expect.stringMatching(/cut short/) },
    ]);
    expect(stored(a).map((conversation) => [conversation.title, conversation.messages.length])).toEqual([['Kept', 1]]);
    // The whole file later adds the rest, and only that.
    write('conversations.json', whole);
    expect((await importPaths(a.client, [file])).result).toMatchObject({ imported: 1, skipped: 1 });
  });

  it('takes time in proportion to the conversation: a 100,000-message thread and a 20,000-way fork', () => {
    const chain: Parameters<typeof chatGptConversation>[0]['messages'] = [];
    for (let i = 0; i < 100_000; i++) {
      chain.push({ id: `n${i}`, parent: i === 0 ? null : `n${i - 1}`, role: i % 2 === 0 ? 'user' : 'assistant', content: `message ${i}` });
    }
    const started = performance.now();
    const deep = fromChatGpt(chatGptConversation({ id: 'deep', title: 'Deep', messages: chain }), 0, 0);
    const fork: Parameters<typeof chatGptConversation>[0]['messages'] = [{ id: 'q', parent: null, role: 'user', content: 'Pick one' }];
    for (let i = 0; i < 20_000; i++) fork.push({ id: `v${i}`, parent: 'q', role: 'assistant', content: `version ${i}` });
    const wide = fromChatGpt(chatGptConversation({ id: 'wide', title: 'Wide', messages: fork }), 1, 0);
    const elapsed = performance.now() - started;
    expect(deep.ok && deep.conversation.messages.length).toBe(100_000);
    expect(deep.ok && deep.conversation.currentLeafId).toBe('n99999');
    expect(wide.ok && wide.conversation.messages.length).toBe(20_001);
    // Linear work is well under a second here; a walk up the lineage per node (O(n²)) would take minutes.
    expect(elapsed).toBeLessThan(10_000);
  });
});
