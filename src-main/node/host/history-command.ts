import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RpcError, type HistoryProgressEvents } from '../../common/contract';
import { plural } from '../../common/plural';
import type { MethodParams } from '../../common/schemas';
import type { HistoryExportResult, HistoryImportResult } from '../../common/types';
import { formatBytes } from '../../common/byte-format';
import { storeFailureMessage } from '../services/rpc-errors';
import { HistoryService } from '../services/history-service';
import { openStore } from '../store/open-store';
import { isStoreError, StoreError } from '../store/store-error';
import { APP_VERSION } from './app-version';
import { DATABASE_FILE } from './compose';
import { acquireInstanceLock } from './instance-lock';

/** What a run printed, and its exit code: 0 done, 1 failed (the last line says why), 2 bad arguments, 130 stopped. */
export interface CommandOutput {
  code: number;
  stdout: string[];
  stderr: string[];
}

export interface CommandEnvironment {
  /** The data folder when `--data` is not given. */
  defaultData: string;
  /** Where relative paths start (the shell's folder). */
  cwd: string;
  /** Progress as it goes (a terminal shows it on one line); `null` when nobody watches. */
  onProgress?: ((line: string) => void) | null;
  /** Aborting stops the run (Ctrl+C): an export leaves no file, an import keeps what it added. */
  signal?: AbortSignal;
  /** The clock (tests). */
  now?: () => number;
}

const FORMATS: Record<string, MethodParams['history.export']['format']> = {
  json: 'json',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
};

export function exportUsage(defaultData: string): string {
  return `Usage: npm run export -- [--format md|json|html] [--conversation <id>]... [--out <file-or-dir>] [--data <dir>]
                         [--search <words>] [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>] [--no-archived]
                         [--all-branches] [--separate] [--force]

Exports Phi Desk's conversations to one file.
  --format <f>         json (default: every branch, can be imported), md (Markdown) or html (one page)
  --conversation <id>  only this conversation (repeat for several); default: all of them
  --search <words>     only conversations matching the search (as in the app), --from/--to: written in those days
  --no-archived        leave archived conversations out
  --all-branches       md and html: every branch, labelled (default: the branch shown in the app)
  --separate           one file per conversation, in a zip with an index
  --out <file-or-dir>  the file to write, or a folder to write it in (default: the current folder)
  --force              replace the file if it exists
  --data <dir>         the data folder (default: ${defaultData})
Phi Desk must not be running with the same data folder: quit it first, or export from its window.`;
}

export function importUsage(defaultData: string): string {
  return `Usage: npm run import -- <file>... [--data <dir>]

Imports conversations from Phi Desk JSON exports, and from ChatGPT's export (its zip, conversations.json, or the
split conversations-000.json... files). Conversations already here are skipped.
  --data <dir>   the data folder (default: ${defaultData})
Phi Desk must not be running with the same data folder: quit it first, or import from its window.`;
}

/**
 * `npm run export`: the same export as the window's, without the window. Holds the data folder's instance lock while
 * it runs, so it refuses (politely, naming the folder) while the app has it, and the app cannot start meanwhile.
 */
export async function runExportCommand(argv: string[], env: CommandEnvironment): Promise<CommandOutput> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        format: { type: 'string', default: 'json' },
        conversation: { type: 'string', multiple: true },
        out: { type: 'string' },
        data: { type: 'string' },
        search: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'no-archived': { type: 'boolean' },
        'all-branches': { type: 'boolean' },
        separate: { type: 'boolean' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return usageError('export', (error as Error).message, exportUsage(env.defaultData));
  }
  if (values.help) return { code: 0, stdout: [exportUsage(env.defaultData)], stderr: [] };
  const format = FORMATS[values.format.toLowerCase()];
  if (!format) return usageError('export', `unknown format "${values.format}": use md, json or html`, exportUsage(env.defaultData));
  const from = values.from === undefined ? undefined : dayStart(values.from);
  const to = values.to === undefined ? undefined : dayStart(values.to);
  if (from === null || to === null) return usageError('export', 'a date is written YYYY-MM-DD, e.g. 2026-03-07', exportUsage(env.defaultData));
  const searching = values.search !== undefined || from !== undefined || to !== undefined;
  if (values.conversation && searching) {
    return usageError('export', 'use --conversation or --search/--from/--to, not both', exportUsage(env.defaultData));
  }
  const scope: MethodParams['history.export']['scope'] = values.conversation
    ? { kind: 'conversations', ids: values.conversation }
    : searching
      ? {
          kind: 'search',
          ...(values.search === undefined ? {} : { query: values.search }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to: to + 86_400_000 }),
        }
      : { kind: 'all' };

  return withHistory('export', values.data, env, async (history) => {
    // Where: a file, or a folder to put the default name in (decided once the conversations are known).
    const out = path.resolve(env.cwd, values.out ?? '.');
    const intoFolder = values.out === undefined || /[\\/]$/.test(values.out) || isFolder(out);
    const params = {
      format,
      scope,
      includeArchived: !values['no-archived'],
      branches: values['all-branches'] ? ('all' as const) : ('shown' as const),
      layout: values.separate ? ('separate' as const) : ('combined' as const),
      overwrite: values.force ?? false,
    };
    const target = intoFolder ? path.join(out, history.suggestedFileName(params)) : out;
    const result = await history.export({ ...params, path: target }, progressContext(env, 'Exporting'));
    return [exportSummary(result)];
  });
}

/** `npm run import`: the window's import, without the window (see {@link runExportCommand} for the lock). */
export async function runImportCommand(argv: string[], env: CommandEnvironment): Promise<CommandOutput> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usageError('import', (error as Error).message, importUsage(env.defaultData));
  }
  if (parsed.values.help) return { code: 0, stdout: [importUsage(env.defaultData)], stderr: [] };
  if (parsed.positionals.length === 0) return usageError('import', 'name at least one file to import', importUsage(env.defaultData));
  const paths = parsed.positionals.map((file) => path.resolve(env.cwd, file));
  let failures = 0;
  const output = await withHistory('import', parsed.values.data, env, async (history) => {
    const result = await history.import({ paths }, progressContext(env, 'Importing'));
    failures = result.failed.length;
    return importSummary(result, paths.length);
  });
  if (output.code === 0 && failures > 0) {
    return { ...output, code: 1, stderr: [...output.stderr, `phi-desk import: ${plural(failures, 'conversation')} could not be imported (listed above).`] };
  }
  return output;
}

/** Open the data folder's history under its instance lock, run `work`, and turn any failure into one line. */
async function withHistory(
  command: 'export' | 'import',
  data: string | undefined,
  env: CommandEnvironment,
  work: (history: HistoryService) => Promise<string[]>,
): Promise<CommandOutput> {
  const dataDir = path.resolve(env.cwd, data ?? env.defaultData);
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  if (command === 'export' && !existsSync(databaseFile)) {
    return failed(command, `There is no Phi Desk history in ${dataDir} (no ${DATABASE_FILE}). Give the data folder with --data.`);
  }
  let lock;
  try {
    lock = acquireInstanceLock(dataDir);
  } catch (error) {
    if (isStoreError(error, 'DB_LOCKED')) {
      return failed(
        command,
        `Phi Desk is running with the data folder ${dataDir}. Quit it first (or ${command} from its window: ` +
          `${command === 'export' ? 'Export all… in the sidebar' : 'Import… in the sidebar'}).`,
      );
    }
    return failed(command, (error as Error).message);
  }
  try {
    // Replies left `streaming` stay as they are: they are exported as they are, and the app marks them at its start.
    const store = openStore(databaseFile, { markInterrupted: false, ...(env.now ? { now: env.now } : {}) });
    try {
      const service = new HistoryService(store, { appVersion: APP_VERSION, ...(env.now ? { now: env.now } : {}), progressIntervalMs: 200 });
      const lines = await work(service);
      return { code: 0, stdout: lines, stderr: [] };
    } finally {
      store.close();
    }
  } catch (error) {
    if (error instanceof RpcError && error.code === 'ABORTED') return { code: 130, stdout: [], stderr: [`phi-desk ${command}: ${error.message}`] };
    if (error instanceof StoreError) return failed(command, storeFailureMessage(error));
    return failed(command, error instanceof Error ? error.message : String(error));
  } finally {
    lock.release();
  }
}

function progressContext(env: CommandEnvironment, doing: string): { signal: AbortSignal; emit(event: HistoryProgressEvents): void } {
  return {
    signal: env.signal ?? new AbortController().signal,
    emit(event) {
      if (!env.onProgress) return;
      const percent = event.total > 0 ? Math.floor((event.done / event.total) * 100) : 100;
      const amount = event.unit === 'bytes' ? `${formatBytes(event.done)} of ${formatBytes(event.total)}` : `${event.done.toLocaleString('en-US')} of ${event.total.toLocaleString('en-US')} messages`;
      env.onProgress(`${doing}… ${amount} (${percent}%), ${plural(event.conversations, 'conversation')}`);
    },
  };
}

function exportSummary(result: HistoryExportResult): string {
  const what = `${plural(result.conversations, 'conversation')} (${plural(result.messages, 'message')})`;
  const lines = [`Exported ${what} to ${result.path} (${formatBytes(result.bytes)}${result.zipped ? ', a zip with one file each and an index' : ''}).`];
  if (result.unreadable.length > 0) {
    lines.push(
      `${plural(result.unreadable.length, 'conversation')} could not be read from the damaged database and ${result.unreadable.length === 1 ? 'was' : 'were'} left out: ` +
        result.unreadable.map(({ id, title }) => (title === null ? `id ${id}` : `“${title}”`)).join(', '),
    );
  }
  return lines.join('\n');
}

function importSummary(result: HistoryImportResult, files: number): string[] {
  const lines = [`Imported ${plural(result.imported, 'conversation')} (${plural(result.messages, 'message')}) from ${plural(files, 'file')}.`];
  if (result.skipped > 0) lines.push(`${plural(result.skipped, 'conversation')} already here ${result.skipped === 1 ? 'was' : 'were'} skipped.`);
  if (result.omitted > 0) lines.push(`${plural(result.omitted, 'picture or file', 'pictures or files')} could not be imported; the messages say “[image omitted]” where they were.`);
  for (const failure of result.failed) lines.push(`Not imported: ${failure.file} › ${failure.conversation}: ${failure.reason}`);
  return lines;
}

/** `YYYY-MM-DD` as the start of that day in local time (epoch ms), or `null` when it is not a date. */
function dayStart(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.getMonth() === Number(match[2]) - 1 ? date.getTime() : null;
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function usageError(command: string, message: string, usage: string): CommandOutput {
  return { code: 2, stdout: [], stderr: [`phi-desk ${command}: ${message}`, '', usage] };
}

function failed(command: string, message: string): CommandOutput {
  return { code: 1, stdout: [], stderr: [`phi-desk ${command}: ${message}`] };
}
