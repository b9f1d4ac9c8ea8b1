import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExportCommand, runImportCommand, type CommandEnvironment } from '../../../../src-main/node/host/history-command';
import { chatGptConversation } from '../../../fixtures/chatgpt-export';
import { expectValidExport } from '../../../fixtures/export-schema';
import { bootHistoryApp, DAYS, seedHistory } from '../history/history-seed';
import { tempDataDir, type Harness } from './compose-harness';

/**
 * `npm run export` and `npm run import`: the window's export and import from a terminal, on real data folders — a
 * summary, progress lines for a terminal, exit codes and one-line failures, and a polite refusal while the app holds
 * the folder.
 */

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
let data: ReturnType<typeof tempDataDir>;
let other: ReturnType<typeof tempDataDir>;
let out: ReturnType<typeof tempDataDir>;
let ids: { circle: string; lisbon: string; zebra: string };

beforeEach(async () => {
  data = tempDataDir();
  other = tempDataDir();
  out = tempDataDir();
  const clock = { now: DAYS.circle };
  const app = bootHistoryApp(data.dir, clock);
  ids = await seedHistory(app.client, clock);
  await app.close(); // the CLI needs the folder to itself
});

afterEach(() => {
  data.remove();
  other.remove();
  out.remove();
});

function env(extra: Partial<CommandEnvironment> = {}): CommandEnvironment {
  return { defaultData: data.dir, cwd: out.dir, now: () => Date.UTC(2026, 4, 1, 12), ...extra };
}

describe('npm run export', () => {
  it('writes every conversation as JSON into the current folder by default, with a summary and progress', async () => {
    const progress: string[] = [];
    const result = await runExportCommand([], env({ onProgress: (line) => progress.push(line) }));
    expect(result).toEqual({
      code: 0,
      stdout: [expect.stringMatching(/^Exported 3 conversations \(13 messages\) to .*phi-desk-history-2026-05-01\.json \([\d.]+ kB\)\.$/)],
      stderr: [],
    });
    const [file] = readdirSync(out.dir);
    expectValidExport(JSON.parse(readFileSync(path.join(out.dir, file!), 'utf8')));
    expect(progress[0]).toBe('Exporting… 0 of 13 messages (0%), 0 conversations');
    expect(progress.at(-1)).toBe('Exporting… 13 of 13 messages (100%), 3 conversations');
  });

  it('--format md|html, --conversation, --out a file or a folder, --all-branches, --separate, --no-archived, --search', async () => {
    const one = await runExportCommand(['--format', 'md', '--conversation', ids.circle, '--out', 'notes/', '--all-branches'], env());
    expect(one.code).toBe(1); // the folder does not exist
    expect(one.stderr).toEqual([expect.stringMatching(/^phi-desk export: The folder .*notes does not exist/)]);
    mkdirSync(path.join(out.dir, 'notes'));
    expect((await runExportCommand(['--format', 'md', '--conversation', ids.circle, '--out', 'notes/', '--all-branches'], env())).code).toBe(0);
    expect(readFileSync(path.join(out.dir, 'notes', 'Circle area.md'), 'utf8')).toContain('## Branch 3 of 3');

    const page = await runExportCommand(['--format', 'html', '--out', 'page.html', '--no-archived', '--data', data.dir], env({ defaultData: '/nowhere' }));
    expect(page.stdout[0]).toMatch(/^Exported 2 conversations \(6 messages\) to .*page\.html/);
    expect(readFileSync(path.join(out.dir, 'page.html'), 'utf8')).toContain('<nav class="contents"');

    const zip = await runExportCommand(['--format', 'markdown', '--separate', '--search', 'umbrella'], env());
    expect(zip.stdout[0]).toMatch(/^Exported 1 conversation \(4 messages\) to .*phi-desk-history-2026-05-01\.zip \(.*, a zip with one file each and an index\)\.$/);

    // An existing file is kept unless --force.
    const again = await runExportCommand(['--out', 'page.html', '--format', 'html'], env());
    expect(again).toMatchObject({ code: 1, stderr: [expect.stringMatching(/^phi-desk export: A file already exists at .*page\.html/)] });
    expect((await runExportCommand(['--out', 'page.html', '--format', 'html', '--force'], env())).code).toBe(0);
  });

  it('bad arguments: exit 2 with the usage; an unknown conversation or an empty data folder: exit 1 with one line', async () => {
    const bad = await runExportCommand(['--format', 'pdf'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr[0]).toBe('phi-desk export: unknown format "pdf": use md, json or html');
    expect(bad.stderr.join('\n')).toContain('Usage: npm run export');
    expect((await runExportCommand(['--colour'], env())).code).toBe(2);
    expect((await runExportCommand(['--from', '2026-13-01'], env())).stderr[0]).toBe('phi-desk export: a date is written YYYY-MM-DD, e.g. 2026-03-07');
    expect(await runExportCommand(['--conversation', 'nope'], env())).toEqual({ code: 1, stdout: [], stderr: ['phi-desk export: No conversation nope to export.'] });
    const empty = await runExportCommand(['--data', other.dir], env());
    expect(empty).toMatchObject({ code: 1, stderr: [expect.stringMatching(/^phi-desk export: There is no Phi Desk history in /)] });
  });

  it('refuses politely while the app holds the data folder, and works once it has quit', async () => {
    const app: Harness = bootHistoryApp(data.dir, { now: Date.now() });
    try {
      const refused = await runExportCommand([], env());
      expect(refused).toEqual({
        code: 1,
        stdout: [],
        stderr: [`phi-desk export: Phi Desk is running with the data folder ${data.dir}. Quit it first (or export from its window: Export all… in the sidebar).`],
      });
      expect(readdirSync(out.dir)).toEqual([]);
      expect((await runImportCommand(['x.json'], env())).stderr[0]).toMatch(/^phi-desk import: Phi Desk is running with the data folder/);
    } finally {
      await app.close();
    }
    expect((await runExportCommand([], env())).code).toBe(0);
  });

  it('as a process: exit code, summary on stdout, no progress line when stderr is not a terminal', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'src-main/node/host/export-cli.ts'), '--format', 'html', '--data', data.dir, '--out', path.join(out.dir, 'all.html')],
        { cwd: ROOT, timeout: 30_000 },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect(run).toEqual({ code: 0, stdout: expect.stringMatching(/^Exported 3 conversations \(8 messages\) to .*all\.html/), stderr: '' });
    const failed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'src-main/node/host/import-cli.ts'), path.join(out.dir, 'missing.json'), '--data', other.dir],
        { cwd: ROOT, timeout: 30_000 },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(failed).toEqual({ code: 1, stderr: `phi-desk import: There is no file at ${path.join(out.dir, 'missing.json')}.\n` });
  });
});

describe('npm run import', () => {
  it('imports exports and ChatGPT files, reports what it skipped and what failed, and exits 1 when something failed', async () => {
    expect((await runExportCommand(['--out', 'all.json'], env())).code).toBe(0);
    const chatgpt = path.join(out.dir, 'conversations.json');
    writeFileSync(
      chatgpt,
      JSON.stringify([
        chatGptConversation({ id: 'g1', title: 'From ChatGPT', messages: [{ id: 'q', parent: null, role: 'user', content: 'Hi' }] }),
        { title: 'Broken', mapping: 'not a mapping' },
      ]),
    );
    const progress: string[] = [];
    const first = await runImportCommand(['all.json', chatgpt, '--data', other.dir], env({ onProgress: (line) => progress.push(line) }));
    expect(first.stdout).toEqual([
      'Imported 4 conversations (14 messages) from 2 files.',
      `Not imported: ${chatgpt} › Broken: it has no "mapping" of messages`,
    ]);
    expect(first).toMatchObject({ code: 1, stderr: ['phi-desk import: 1 conversation could not be imported (listed above).'] });
    expect(progress.at(-1)).toMatch(/^Importing… [\d.]+ kB of [\d.]+ kB \(100%\), 4 conversations$/);

    const second = await runImportCommand([path.join(out.dir, 'all.json'), '--data', other.dir], env());
    expect(second).toEqual({ code: 0, stdout: ['Imported 0 conversations (0 messages) from 1 file.', '3 conversations already here were skipped.'], stderr: [] });
    expect((await runImportCommand([], env())).code).toBe(2);
  });
});
