import { setImmediate as yieldToEvents } from 'node:timers/promises';
import * as v from 'valibot';
import { RpcError } from '../../../common/contract';
import { describeIssues } from '../../../common/issues';
import type { HistoryImportResult } from '../../../common/types';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  ExportedConversationSchema,
  treeProblem,
  type ExportedConversation,
} from '../../store/history-schema';
import type { HistoryStore } from '../../store/history-store';
import { isStoreError } from '../../store/store-error';
import { fromChatGpt } from './chatgpt';
import { openImportFiles, refuse, type ImportFileRef, type ImportSource } from './import-sources';
import { JsonReadError, readJsonItems, type JsonEvent } from './json-items';

/** What a file holds: a Phi Desk export, or ChatGPT's conversations. */
type SourceKind = 'phi-desk' | 'chatgpt';

export interface ImportRun {
  signal: AbortSignal;
  /** Bytes read of all files, of their total; conversations and messages added so far. */
  onProgress(done: number, total: number, conversations: number, messages: number): void;
  /** The clock, for ChatGPT conversations without any time. */
  now(): number;
}

/**
 * The most text one conversation may hold to be imported, in characters (about 2 bytes each in memory): a bound on
 * what one item of a streamed file costs, far above a real conversation (a 1,000-message one of long replies is
 * ~10 M). A larger one is reported as failed, and the import goes on.
 */
export const MAX_CONVERSATION_CHARS = 256 * 1024 * 1024;

/** How many schema issues a failure lists. */
const ISSUES_SHOWN = 3;

/**
 * Import every conversation of `files` (see `history.import` in the contract): first each file is opened and its
 * start read to tell what it is — anything that is not an export refuses the whole import before anything is added —
 * then each is read as a stream, one conversation at a time, each added in its own transaction (or skipped as already
 * here, or reported as failed with the reason).
 */
export async function importFiles(
  store: HistoryStore,
  files: readonly ImportFileRef[],
  run: ImportRun,
  options: { maxConversationChars?: number } = {},
): Promise<HistoryImportResult> {
  const opened = await openImportFiles(files);
  const result: HistoryImportResult = { imported: 0, skipped: 0, failed: [], messages: 0, conversationIds: [], omitted: 0, formats: [] };
  try {
    const kinds: Array<{ source: ImportSource; kind: SourceKind }> = [];
    for (const source of opened.sources) {
      const kind = await sniff(source);
      if (kind !== null) kinds.push({ source, kind });
    }
    if (kinds.length === 0) {
      throw refuse(`${opened.sources[0]?.label ?? 'The zip'} holds no Phi Desk export and no ChatGPT conversations.`, 'NOT_AN_EXPORT');
    }
    result.formats = [...new Set(kinds.map((entry) => entry.kind))];
    const total = kinds.reduce((sum, entry) => sum + entry.source.size, 0);
    let done = 0;
    run.onProgress(0, total, 0, 0);
    for (const { source, kind } of kinds) {
      let items = 0;
      const events = readJsonItems(await source.open(), {
        itemsKey: 'conversations',
        maxItemChars: options.maxConversationChars ?? MAX_CONVERSATION_CHARS,
        onBytes: (bytes) => {
          done += bytes;
        },
      });
      try {
        for await (const event of events) {
          if (event.type !== 'item' && event.type !== 'tooLarge') continue;
          throwIfCancelled(run.signal, result);
          items += 1;
          addItem(store, source, kind, event, result, run.now());
          run.onProgress(done, total, result.imported, result.messages);
          await yieldToEvents();
        }
      } catch (error) {
        if (!(error instanceof JsonReadError)) throw error;
        result.failed.push({
          file: source.label,
          conversation: items === 0 ? 'its conversations' : `the conversations after the first ${items}`,
          reason: `they could not be read: ${error.message}`,
        });
      }
    }
    run.onProgress(total, total, result.imported, result.messages);
    return result;
  } finally {
    await opened.close();
  }
}

/** Convert, check and add one conversation of `source`, counting it in `result`. */
function addItem(
  store: HistoryStore,
  source: ImportSource,
  kind: SourceKind,
  event: Extract<JsonEvent, { type: 'item' | 'tooLarge' }>,
  result: HistoryImportResult,
  now: number,
): void {
  const place = `conversation ${event.index + 1}`;
  const fail = (conversation: string, reason: string): void => {
    result.failed.push({ file: source.label, conversation, reason });
  };
  if (event.type === 'tooLarge') {
    fail(place, `it is larger than Phi Desk imports (${Math.round(MAX_CONVERSATION_CHARS / 1024 / 1024)} M characters)`);
    return;
  }
  let conversation: ExportedConversation;
  if (kind === 'chatgpt') {
    const converted = fromChatGpt(event.value, event.index, now);
    if (!converted.ok) return fail(converted.title, converted.reason);
    conversation = converted.conversation;
    result.omitted += converted.omitted;
  } else {
    const parsed = v.safeParse(ExportedConversationSchema, event.value);
    if (!parsed.success) {
      return fail(titleOf(event.value) ?? place, `it is not valid: ${describeIssues(parsed.issues, ISSUES_SHOWN).join('; ')}`);
    }
    conversation = parsed.output;
  }
  const problem = treeProblem(conversation);
  if (problem) return fail(conversation.title, problem);
  try {
    if (store.findDuplicate(conversation) !== null) {
      result.skipped += 1;
      return;
    }
    const added = store.importConversation(conversation);
    result.imported += 1;
    result.messages += added.messages;
    result.conversationIds.push(added.id);
  } catch (error) {
    // Too long a text, a full disk: this conversation is not added (its transaction rolled back); the rest go on.
    // A database that became unwritable stops the import: every later one would fail the same way.
    if (isStoreError(error, 'DB_READ_ONLY') || isStoreError(error, 'DB_CLOSED')) throw error;
    fail(conversation.title, error instanceof Error ? error.message : String(error));
  }
}

/**
 * What `source` is, from its first tokens: ChatGPT's conversations (an array), a Phi Desk export (an object whose
 * `format` and `version` come before its conversations, as Phi Desk writes them), or — for a `.json` file inside a
 * zip — `null` for one that is neither (a zip may hold other JSON).
 * @throws RpcError `BAD_REQUEST` naming the file for a plain file that is not an export, or a newer version.
 */
async function sniff(source: ImportSource): Promise<SourceKind | null> {
  const inZip = source.label.includes(' › ');
  const notAnExport = (): RpcError =>
    refuse(`${source.label} is not a Phi Desk export (it has no "format": "${EXPORT_FORMAT}" and version) nor ChatGPT's conversations.json.`, 'NOT_AN_EXPORT');
  const header: Record<string, unknown> = {};
  try {
    for await (const event of readJsonItems(await source.open(), { itemsKey: 'conversations', maxItemChars: 1024 * 1024 })) {
      if (event.type === 'start') {
        if (event.top === 'array') return 'chatgpt';
        if (event.top !== 'object') break;
      } else if (event.type === 'member') {
        header[event.key] = event.value;
        if ('format' in header && header.format !== EXPORT_FORMAT) break;
        if ('format' in header && 'version' in header) return checkVersion(source, header.version);
      } else {
        // The conversations (or the end) came before both "format" and "version".
        if (header.format === EXPORT_FORMAT) {
          throw refuse(
            `${source.label} lists its conversations before its "version": Phi Desk reads exports as a stream and needs ` +
              '"format" and "version" first, as it writes them.',
            'NOT_AN_EXPORT',
          );
        }
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof JsonReadError)) throw error;
    if (inZip) return null;
    throw refuse(`${source.label} is not valid JSON — it may be cut short or not an export (${error.message}).`, 'NOT_JSON');
  }
  if (inZip) return null;
  throw notAnExport();
}

function checkVersion(source: ImportSource, version: unknown): SourceKind {
  if (version === EXPORT_VERSION) return 'phi-desk';
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw refuse(`${source.label} is not a Phi Desk export (its "version" is not a number).`, 'NOT_AN_EXPORT');
  }
  throw refuse(
    `${source.label} is a version ${version} export; this Phi Desk reads version ${EXPORT_VERSION}.` +
      (version > EXPORT_VERSION ? ' Update Phi Desk to import it.' : ''),
    'VERSION',
  );
}

function titleOf(value: unknown): string | null {
  return typeof value === 'object' && value !== null && typeof (value as { title?: unknown }).title === 'string'
    ? ((value as { title: string }).title || null)
    : null;
}

function throwIfCancelled(signal: AbortSignal, result: HistoryImportResult): void {
  if (!signal.aborted) return;
  throw new RpcError(
    'ABORTED',
    `Import cancelled: ${result.imported} conversation${result.imported === 1 ? ' was' : 's were'} added before it stopped.`,
  );
}
