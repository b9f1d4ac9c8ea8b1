import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryProgressEvents } from '../../../../src-main/common/contract';
import { RpcError } from '../../../../src-main/common/contract';
import type { AppClient } from '../../../../src-main/common/app-rpc';
import { ScriptedEngine } from '../../../support/scripted-engine';
import type { ExportedConversation } from '../../../../src-main/node/store/history-schema';
import { expectValidExport } from '../../../fixtures/export-schema';
import { makeFifo, releaseFifo, within } from '../../../fixtures/special-files';
import { edit, lines, regenerate, send, startHarness, tempDataDir, type Harness } from './compose-harness';

/**
 * Export and import of conversation history over the real contract, on real SQLite files: a round trip into a fresh
 * data folder keeps every branch, the current branch, options, stats and search; bad files are refused in words with
 * nothing imported; a bad export path leaves no partial file.
 */

let source: ReturnType<typeof tempDataDir>;
let target: ReturnType<typeof tempDataDir>;
let out: ReturnType<typeof tempDataDir>;
const harnesses: Harness[] = [];

function boot(dir: string, options: Parameters<typeof startHarness>[2] = {}): Harness {
  const engine = new ScriptedEngine({
    initialModelPath: path.join(dir, 'tiny.gguf'),
    reply: (request) => `Answer to ${request.turns.at(-1)?.content ?? ''}`,
  });
  const harness = startHarness(dir, engine, options);
  harnesses.push(harness);
  return harness;
}

beforeEach(() => {
  source = tempDataDir();
  target = tempDataDir();
  out = tempDataDir();
});

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
  source.remove();
  target.remove();
  out.remove();
});

/**
 * Two conversations: "Trip plans" (pinned, own prompt and sampling) with a regenerated reply and an edited question
 * — three branches, the current one switched back to the first — and an archived "Zebra facts" asked in the quick
 * prompt.
 */
async function seed(client: AppClient): Promise<{ trip: string; zebra: string }> {
  const trip = await client.call('conversations.create', { title: 'Trip plans' });
  const first = await send(client, trip.id, 'Where should we go in spring?');
  await send(client, trip.id, 'And what about food?');
  await regenerate(client, first.result.id);
  const edited = await edit(client, first.events[0]?.type === 'onStarted' ? first.events[0].userMessage.id : '', 'Where in autumn?');
  expect(edited.result.status).toBe('complete');
  // Back to the first branch (the original question, its second exchange).
  const view = await client.call('conversations.get', { id: trip.id });
  const userId = view.messages[0]?.id ?? '';
  const siblings = view.branches.find((branch) => branch.messageId === userId);
  await client.call('messages.switchBranch', { messageId: siblings?.previousId ?? '' });
  await client.call('conversations.update', {
    id: trip.id,
    pinned: true,
    systemPrompt: 'You plan trips.',
    generation: { temperature: 0.2, seed: 7 },
  });
  const zebra = await client.call('conversations.create', { title: 'Zebra facts', source: 'quick' });
  await send(client, zebra.id, 'Tell me about quaggas and stripes');
  await client.call('conversations.update', { id: zebra.id, archived: true });
  return { trip: trip.id, zebra: zebra.id };
}

/** A conversation's tree without its ids: each message's parent by position, and the current leaf by position. */
function shape(conversation: ExportedConversation) {
  const position = new Map(conversation.messages.map((message, index) => [message.id, index]));
  const { id: _id, currentLeafId, messages, ...options } = conversation;
  return {
    ...options,
    currentLeaf: currentLeafId === null ? null : position.get(currentLeafId),
    messages: messages.map(({ id: _messageId, parentId, ...rest }) => ({
      ...rest,
      parent: parentId === null ? null : position.get(parentId),
    })),
  };
}

function allShapes(harness: Harness) {
  const history = harness.app.store.history;
  return history.conversationIds().map((id) => shape(history.readConversation(id)));
}

async function exportJson(client: AppClient, file: string, extra: { conversationId?: string; overwrite?: boolean } = {}) {
  const events: HistoryProgressEvents[] = [];
  const { conversationId, ...rest } = extra;
  const scope = conversationId === undefined ? {} : { scope: { kind: 'conversations' as const, ids: [conversationId] } };
  const result = await client.call('history.export', { path: file, format: 'json', ...scope, ...rest }, { onEvent: (e) => events.push(e) });
  const document = readFileSync(file, 'utf8');
  expectValidExport(JSON.parse(document));
  return { result, events };
}

async function importFile(client: AppClient, file: string) {
  const events: HistoryProgressEvents[] = [];
  const result = await client.call('history.import', { paths: [file] }, { onEvent: (e) => events.push(e) });
  return { result, events };
}

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

function expectMonotonicProgress(events: HistoryProgressEvents[], total: number, unit: 'messages' | 'bytes' = 'messages'): void {
  expect(events.length).toBeGreaterThanOrEqual(2);
  expect(events[0]).toEqual({ type: 'onProgress', done: 0, total, unit, conversations: 0, messages: 0 });
  expect(events.at(-1)).toMatchObject({ type: 'onProgress', done: total, total, unit });
  for (let i = 1; i < events.length; i += 1) {
    expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    expect(events[i]!.messages).toBeGreaterThanOrEqual(events[i - 1]!.messages);
  }
}

describe('history export and import', () => {
  it('round-trips every branch, the current branch, options and stats into a fresh data folder, searchable', async () => {
    const a = boot(source.dir);
    const { trip } = await seed(a.client);
    const file = path.join(out.dir, 'history.json');
    const exported = await exportJson(a.client, file);
    expect(exported.result).toMatchObject({ path: file, download: null, format: 'json', zipped: false, conversations: 2, messages: 9 });
    expect(exported.result.bytes).toBe(readFileSync(file).length);
    expectMonotonicProgress(exported.events, 9);
    expect(exported.events.at(-1)).toMatchObject({ conversations: 2, messages: 9 });
    const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(document).toMatchObject({ format: 'phi-desk-export', version: 1, exportedAt: expect.any(Number) });
    expect(readdirSync(out.dir)).toEqual(['history.json']);

    const b = boot(target.dir);
    const imported = await importFile(b.client, file);
    expect(imported.result).toMatchObject({ imported: 2, skipped: 0, failed: [], messages: 9, omitted: 0, formats: ['phi-desk'] });
    expectMonotonicProgress(imported.events, readFileSync(file).length, 'bytes');
    expect(imported.events.at(-1)).toMatchObject({ conversations: 2, messages: 9 });

    // Identical trees, branches, current leaves, options, times, statuses and stats; only the ids are new.
    expect(allShapes(b)).toEqual(allShapes(a));
    const sourceIds = new Set(a.app.store.history.conversationIds());
    for (const id of imported.result.conversationIds) expect(sourceIds.has(id)).toBe(false);

    // What a window sees: the list (pinned, archived), the current branch, and search over the imported text.
    const list = await b.client.call('conversations.list', {});
    expect(list.map((c) => [c.title, c.pinned, c.systemPrompt, c.generation])).toEqual([
      ['Trip plans', true, 'You plan trips.', { temperature: 0.2, seed: 7 }],
    ]);
    expect((await b.client.call('conversations.list', { archived: true })).map((c) => [c.title, c.source])).toEqual([
      ['Zebra facts', 'quick'],
    ]);
    const before = await a.client.call('conversations.get', { id: trip });
    const after = await b.client.call('conversations.get', { id: list[0]!.id });
    expect(lines(after.messages)).toEqual(lines(before.messages));
    expect(after.branches.map((branch) => [branch.index, branch.count])).toEqual(
      before.branches.map((branch) => [branch.index, branch.count]),
    );
    const hits = await b.client.call('search.query', { query: 'quaggas' });
    expect(hits.messages.map((hit) => hit.conversationTitle)).toEqual(['Zebra facts', 'Zebra facts']);
    const autumn = await b.client.call('search.query', { query: 'autumn' });
    expect(autumn.messages.length).toBeGreaterThan(0); // text of a branch that is not the current one
    expect(b.pushes.some((event) => event.type === 'onConversationsChanged')).toBe(true);
  });

  it('skips conversations already here: the same file twice, or back into the app it came from', async () => {
    const a = boot(source.dir);
    const { zebra } = await seed(a.client);
    const file = path.join(out.dir, 'history.json');
    await exportJson(a.client, file);

    const b = boot(target.dir);
    expect((await importFile(b.client, file)).result).toMatchObject({ imported: 2, skipped: 0 });
    expect((await importFile(b.client, file)).result).toMatchObject({ imported: 0, skipped: 2, messages: 0 });
    expect(b.app.store.history.conversationIds()).toHaveLength(2);

    expect((await importFile(a.client, file)).result).toMatchObject({ imported: 0, skipped: 2 });
    await a.client.call('conversations.delete', { id: zebra });
    const again = await importFile(a.client, file);
    expect(again.result).toMatchObject({ imported: 1, skipped: 1, messages: 2 });
    expect((await a.client.call('conversations.list', { archived: true })).map((c) => c.title)).toEqual(['Zebra facts']);
  });

  it('exports one conversation as JSON, or its current branch as readable Markdown with front matter', async () => {
    const a = boot(source.dir);
    const { trip } = await seed(a.client);
    const one = await exportJson(a.client, path.join(out.dir, 'trip.json'), { conversationId: trip });
    expect(one.result).toMatchObject({ conversations: 1, messages: 7, fileName: 'Trip plans.json' });

    const md = path.join(out.dir, 'trip.md');
    const events: HistoryProgressEvents[] = [];
    const result = await a.client.call(
      'history.export',
      { path: md, format: 'markdown', scope: { kind: 'conversations', ids: [trip] } },
      { onEvent: (event) => events.push(event) },
    );
    const branch = (await a.client.call('conversations.get', { id: trip })).messages;
    expect(result).toMatchObject({ format: 'markdown', conversations: 1, messages: branch.length });
    expectMonotonicProgress(events, 7); // the progress counts every branch of what is taken
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/^---\ntitle: "Trip plans"\n/);
    expect(text).toContain('\n# Trip plans\n');
    expect(text).toContain('> System prompt: You plan trips.');
    expect(text).toContain('## You\n');
    expect(text).toContain('## Assistant\n');
    expect(text).toContain('*This conversation has 3 branches; this is the one shown in the app.*');
    let at = 0;
    for (const message of branch) {
      const found = text.indexOf(message.content, at);
      expect(found).toBeGreaterThan(at); // every message of the current branch, in order
      at = found;
    }
    expect(text).toContain('Where should we go in spring?');
    expect(text).not.toContain('Where in autumn?'); // another branch
  });

  describe('a file that is not an export is refused in words, importing nothing', () => {
    let importer: Harness | undefined;
    beforeEach(() => (importer = undefined));

    async function refusal(content: string): Promise<RpcError> {
      const file = path.join(out.dir, 'bad.json');
      writeFileSync(file, content);
      importer ??= boot(target.dir);
      const b = importer;
      const error = await failure(b.client.call('history.import', { paths: [file] }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toContain(file);
      expect(b.app.store.history.conversationIds()).toEqual([]);
      return error;
    }

    it('not JSON, or JSON cut short before its first conversation', async () => {
      const text = await refusal('# Trip plans\n\nNot an export.');
      expect(text.message).toMatch(/is not valid JSON — it may be cut short or not an export/);
      expect(text.details).toMatchObject({ reason: 'NOT_JSON' });
      const cut = await refusal('{"format": "phi-desk-export", "vers');
      expect(cut.details).toMatchObject({ reason: 'NOT_JSON' });
    });

    it('a JSON file that is not an export, one from a newer version, one with its header after its conversations', async () => {
      expect((await refusal('{"hello": "world"}')).message).toMatch(/is not a Phi Desk export .* nor ChatGPT's conversations\.json/);
      expect((await refusal('"just a string"')).details).toMatchObject({ reason: 'NOT_AN_EXPORT' });
      const newer = await refusal('{"format": "phi-desk-export", "version": 2, "conversations": []}');
      expect(newer.message).toMatch(/is a version 2 export; this Phi Desk reads version 1\. Update Phi Desk/);
      expect(newer.details).toMatchObject({ reason: 'VERSION' });
      const late = await refusal('{"format": "phi-desk-export", "conversations": [], "version": 1}');
      expect(late.message).toMatch(/lists its conversations before its "version"/);
    });

    it('a missing file, a folder, a relative path', async () => {
      const b = boot(target.dir);
      const missing = await failure(b.client.call('history.import', { paths: [path.join(out.dir, 'none.json')] }));
      expect(missing.message).toMatch(/There is no file at .*none\.json/);
      const folder = await failure(b.client.call('history.import', { paths: [out.dir] }));
      expect(folder.message).toMatch(/is a folder/);
      const relative = await failure(b.client.call('history.import', { paths: ['history.json'] }));
      expect(relative.code).toBe('BAD_REQUEST');
      expect(String(relative.details)).toMatch(/must be a full \(absolute\) path/);
    });

    it('one bad file among good ones refuses them all before anything is added', async () => {
      const a = boot(source.dir);
      await seed(a.client);
      const good = path.join(out.dir, 'good.json');
      await exportJson(a.client, good);
      const bad = path.join(out.dir, 'notes.txt');
      writeFileSync(bad, 'shopping list');
      const b = boot(target.dir);
      const error = await failure(b.client.call('history.import', { paths: [good, bad] }));
      expect(error.message).toContain(bad);
      expect(b.app.store.history.conversationIds()).toEqual([]);
    });
  });

  describe('a damaged export: what can be read is added, the rest reported, nothing half added', () => {
    async function goodExport(): Promise<string> {
      const a = boot(source.dir);
      await seed(a.client);
      const file = path.join(out.dir, 'good.json');
      await exportJson(a.client, file);
      return readFileSync(file, 'utf8');
    }

    async function importText(text: string) {
      const file = path.join(out.dir, 'damaged.json');
      writeFileSync(file, text);
      const b = boot(target.dir);
      const { result } = await importFile(b.client, file);
      return { b, result, file };
    }

    it('a truncated file: the conversations before the cut are added whole, the cut one is not, and the report says so', async () => {
      const good = await goodExport();
      // Cut inside the second conversation ("Zebra facts", after "Trip plans").
      const cut = good.indexOf('"title":"Zebra facts"') + 40;
      const { b, result, file } = await importText(good.slice(0, cut));
      expect(result).toMatchObject({ imported: 1, skipped: 0, messages: 7 });
      expect(result.failed).toEqual([
        {
          file,
          conversation: 'the conversations after the first 1',
          reason: expect.stringMatching(/^they could not be read: it ends early, after [\d,]+ bytes: the file is cut short$/),
        },
      ]);
      expect(allShapes(b).map((conversation) => conversation.title)).toEqual(['Trip plans']);
      expect(allShapes(b)[0]!.messages).toHaveLength(7);
    });

    it('a wrong field: that conversation is reported with where the field is, the others are added', async () => {
      const good = JSON.parse(await goodExport()) as { conversations: Array<{ messages: Array<{ role: string }> }> };
      good.conversations[0]!.messages[0]!.role = 'system';
      const { b, result, file } = await importText(JSON.stringify(good));
      expect(result).toMatchObject({ imported: 1, messages: 2 });
      expect(result.failed).toEqual([
        { file, conversation: 'Trip plans', reason: expect.stringMatching(/^it is not valid: messages\.0\.role: /) },
      ]);
      expect(b.app.store.history.conversationIds()).toHaveLength(1);
    });

    it('a broken tree: a reply to a message that is not there is reported, nothing of it added', async () => {
      const good = JSON.parse(await goodExport()) as { conversations: Array<{ messages: Array<{ parentId: string | null }> }> };
      good.conversations[1]!.messages[1]!.parentId = 'nowhere';
      const { result } = await importText(JSON.stringify(good));
      expect(result.imported).toBe(1);
      expect(result.failed).toEqual([
        expect.objectContaining({ conversation: 'Zebra facts', reason: expect.stringMatching(/follows "nowhere", which is not earlier/) }),
      ]);
    });
  });

  describe('a bad export path leaves nothing half-written', () => {
    it('a missing folder, a file where the folder should be, an existing file (kept unless replacing)', async () => {
      const a = boot(source.dir);
      await seed(a.client);
      const missing = await failure(exportJson(a.client, path.join(out.dir, 'no-such-folder', 'h.json')));
      expect(missing).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NO_FOLDER' } });
      expect(missing.message).toMatch(/The folder .*no-such-folder does not exist/);

      writeFileSync(path.join(out.dir, 'plain-file'), 'x');
      const notFolder = await failure(exportJson(a.client, path.join(out.dir, 'plain-file', 'h.json')));
      expect(notFolder).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NO_FOLDER' } });

      const existing = path.join(out.dir, 'keep.json');
      writeFileSync(existing, 'precious');
      const exists = await failure(exportJson(a.client, existing));
      expect(exists).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'EXISTS' } });
      expect(exists.message).toMatch(/A file already exists at .*keep\.json/);
      expect(readFileSync(existing, 'utf8')).toBe('precious');
      expect(readdirSync(out.dir).sort()).toEqual(['keep.json', 'plain-file']);

      await exportJson(a.client, existing, { overwrite: true });
      expect(JSON.parse(readFileSync(existing, 'utf8'))).toMatchObject({ format: 'phi-desk-export' });
      expect(readdirSync(out.dir).sort()).toEqual(['keep.json', 'plain-file']);
    });

    // A real small file system (tmpfs) that fills up, and a read-only one: needs mount rights (root in CI here).
    const mountRoot = tempDataDir();
    const mountPoint = path.join(mountRoot.dir, 'mnt');
    afterAll(() => mountRoot.remove());
    const canMount = (() => {
      try {
        mkdirSync(mountPoint, { recursive: true });
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { stdio: 'ignore' });
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();

    it.skipIf(!canMount)('a full disk: a clear error, and no partial file', async () => {
      const a = boot(source.dir);
      for (let i = 0; i < 10; i += 1) {
        const conversation = await a.client.call('conversations.create', { title: `Long ${i}` });
        await send(a.client, conversation.id, `${'x'.repeat(6_000)} ${i}`); // ~12 KB with its reply; 64 KB fit
      }
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
      try {
        const error = await failure(exportJson(a.client, path.join(mountPoint, 'h.json')));
        expect(error).toMatchObject({ code: 'STORE_FAILED', details: { reason: 'DISK_FULL' } });
        expect(error.message).toMatch(/^The disk is full: .*h\.json could not be written, and nothing was left behind/);
        expect(readdirSync(mountPoint)).toEqual([]);
      } finally {
        execFileSync('umount', [mountPoint]);
      }
    });

    it.skipIf(!canMount)('a read-only disk: a clear error, and nothing written', async () => {
      const a = boot(source.dir);
      await seed(a.client);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', mountPoint]);
      try {
        const error = await failure(exportJson(a.client, path.join(mountPoint, 'h.json')));
        expect(error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'UNWRITABLE' } });
        expect(error.message).toMatch(/cannot write to .*mnt \(read-only disk\)/);
        expect(readdirSync(mountPoint)).toEqual([]);
      } finally {
        execFileSync('umount', [mountPoint]);
      }
    });
  });

  it('a cancelled export leaves no file, and the same export then succeeds', async () => {
    const a = boot(source.dir);
    await seed(a.client);
    const file = path.join(out.dir, 'history.json');
    const controller = new AbortController();
    const call = a.client.call('history.export', { path: file, format: 'json' }, { signal: controller.signal });
    controller.abort();
    const error = await failure(call);
    expect(error.code).toBe('ABORTED');
    expect(readdirSync(out.dir)).toEqual([]);
    expect((await exportJson(a.client, file)).result.conversations).toBe(2);
  });

  it('the file dialog: the browser host has none (a typed error), a desktop host answers with the chosen path', async () => {
    const browser = boot(source.dir);
    const error = await failure(browser.client.call('history.choosePath', { purpose: 'export', format: 'json' }));
    expect(error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NO_FILE_DIALOG' } });

    const asked: unknown[] = [];
    const desktop = boot(target.dir, {
      history: {
        choosePath: (request) => {
          asked.push(request);
          return Promise.resolve('/home/me/history.json');
        },
      },
    });
    const chosen = await desktop.client.call('history.choosePath', { purpose: 'import' });
    expect(chosen).toEqual({ path: '/home/me/history.json', paths: ['/home/me/history.json'] });
    expect(asked).toEqual([{ purpose: 'import' }]);
  });
});

describe('special files are refused at once (issue 12)', () => {
  const pipes: string[] = [];
  afterEach(() => {
    for (const pipe of pipes.splice(0)) releaseFifo(pipe);
  });

  it('a named pipe: refused in words without waiting for a writer, five times over, and a real import still works', async () => {
    const a = boot(source.dir);
    await seed(a.client);
    const good = path.join(out.dir, 'good.json');
    await exportJson(a.client, good);
    const pipe = makeFifo(path.join(out.dir, 'history.json'));
    pipes.push(pipe);
    const b = boot(target.dir);
    // More refusals than libuv has pool threads (4): a blocking open would have used them all up.
    for (let attempt = 0; attempt < 5; attempt++) {
      const error = await failure(within(2000, 'importing a named pipe', b.client.call('history.import', { paths: [pipe] })));
      expect(error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NOT_FOUND' } });
      expect(error.message).toBe(`${pipe} is not a regular file (a named pipe). Choose an export file.`);
    }
    const imported = await within(5000, 'a real import after them', b.client.call('history.import', { paths: [good] }));
    expect(imported.imported).toBe(2);
  });

  it('/dev/zero: refused as a device, not read', async () => {
    const b = boot(target.dir);
    const error = await failure(within(2000, 'importing /dev/zero', b.client.call('history.import', { paths: ['/dev/zero'] })));
    expect(error.message).toBe('/dev/zero is not a regular file (a character device). Choose an export file.');
    expect(b.app.store.history.conversationIds()).toEqual([]);
  });

  it('a /proc file (it claims 0 bytes) is read for what it is: not an export', async () => {
    const b = boot(target.dir);
    const error = await failure(within(2000, 'importing /proc/self/status', b.client.call('history.import', { paths: ['/proc/self/status'] })));
    expect(error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'NOT_JSON' } });
  });
});
