import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { ZipFile } from 'yazl';
import { RpcError } from '../../common/contract';
import { safeFileTitle } from '../../common/export-file-name';
import type { ExportedConversation } from '../store/history-schema';
import type { HistoryStore } from '../store/history-store';
import { isStoreError } from '../store/store-error';
import type { ExportPlan } from './export-plan';
import { zipIndex } from './formats/zip-index';
import type { ContentsEntry, ExportInfo, FormatWriter } from './formats/format-writer';

/** Where an export's bytes go, in order; awaiting each write keeps memory bounded. */
export interface ByteSink {
  write(data: string | Buffer): Promise<void>;
}

/** What an export wrote. */
export interface ExportCounts {
  conversations: number;
  messages: number;
  unreadable: Array<{ id: string; title: string | null }>;
}

export interface ExportRun {
  info: ExportInfo;
  signal: AbortSignal;
  /** Messages (of every branch) of the conversations done so far, with conversations and messages written. */
  onProgress(done: number, conversations: number, messages: number): void;
}

/** Writing yields to the event loop after this many pieces within one conversation (a long one). */
const PIECES_PER_TURN = 2_000;

/**
 * Write the export `plan` describes into `sink`: one combined file, or (`separate`) a zip with one file per
 * conversation and an index, streamed through yazl (deflated by zlib, ZIP64 when large) as it is written. One
 * conversation is read at a time, in one transaction; the file is written a message at a time. A conversation that
 * cannot be read because the database is damaged there is skipped and named (a rescue export); one deleted
 * meanwhile is skipped.
 * @throws RpcError `ABORTED` when `run.signal` aborts (the caller discards the file).
 */
export async function writeExport(store: HistoryStore, plan: ExportPlan, sink: ByteSink, run: ExportRun): Promise<ExportCounts> {
  return plan.request.separate ? writeZip(store, plan, sink, run) : writeCombined(store, plan, sink, run);
}

async function writeCombined(store: HistoryStore, plan: ExportPlan, sink: ByteSink, run: ExportRun): Promise<ExportCounts> {
  const writer = plan.format.writer(run.info, { combined: plan.entries.length !== 1 });
  const counts: ExportCounts = { conversations: 0, messages: 0, unreadable: [...plan.unreadable] };
  await sink.write(writer.begin(plan.entries));
  let done = 0;
  let index = 0;
  for (const entry of plan.entries) {
    const conversation = readForExport(store, entry.id, counts);
    if (conversation) {
      await writeConversation(writer, conversation, index, sink, run.signal);
      index += 1;
      counts.conversations += 1;
      counts.messages += writer.lastMessageCount;
    }
    done += entry.messages;
    run.onProgress(done, counts.conversations, counts.messages);
    await yieldToEvents();
  }
  await sink.write(writer.end());
  return counts;
}

async function writeZip(store: HistoryStore, plan: ExportPlan, sink: ByteSink, run: ExportRun): Promise<ExportCounts> {
  const zip = new ZipFile();
  const mtime = new Date(run.info.exportedAt);
  const copying = (async () => {
    for await (const chunk of zip.outputStream) await sink.write(chunk as Buffer);
  })();
  // A failure of the copy (a full disk) must stop the writing below, which may be waiting for the zip to drain.
  const failed = copying.then(
    () => null,
    (error: unknown) => error,
  );
  const counts: ExportCounts = { conversations: 0, messages: 0, unreadable: [...plan.unreadable] };
  const written: Array<ContentsEntry & { file: string }> = [];
  const names = new Set<string>();
  try {
    let done = 0;
    for (const [position, entry] of plan.entries.entries()) {
      const conversation = readForExport(store, entry.id, counts);
      if (conversation) {
        const file = uniqueName(names, `${String(position + 1).padStart(4, '0')} ${safeFileTitle(conversation.title, 60) || 'conversation'}.${plan.format.extension}`);
        const entryStream = new PassThrough();
        zip.addReadStream(entryStream, file, { mtime, compress: true });
        const writer = plan.format.writer(run.info, { combined: false });
        const target: ByteSink = {
          write: async (data) => {
            if (!entryStream.write(data)) await Promise.race([once(entryStream, 'drain'), failed.then(throwIfError)]);
          },
        };
        await target.write(writer.begin([entry]));
        await writeConversation(writer, conversation, 0, target, run.signal);
        await target.write(writer.end());
        entryStream.end();
        written.push({ ...entry, file, messages: writer.lastMessageCount });
        counts.conversations += 1;
        counts.messages += writer.lastMessageCount;
      }
      done += entry.messages;
      run.onProgress(done, counts.conversations, counts.messages);
      await yieldToEvents();
    }
    const index = zipIndex(plan.format.extension, written, run.info);
    zip.addBuffer(Buffer.from(index.text, 'utf8'), index.file, { mtime, compress: true });
    zip.end();
    await copying;
    return counts;
  } catch (error) {
    (zip.outputStream as NodeJS.ReadableStream & { destroy?: (error?: Error) => void }).destroy?.();
    await copying.catch(() => undefined);
    throw error;
  }
}

async function writeConversation(
  writer: FormatWriter,
  conversation: ExportedConversation,
  index: number,
  sink: ByteSink,
  signal: AbortSignal,
): Promise<void> {
  throwIfCancelled(signal);
  let pieces = 0;
  for (const piece of writer.conversation(conversation, index)) {
    await sink.write(piece);
    if (++pieces % PIECES_PER_TURN === 0) {
      throwIfCancelled(signal);
      await yieldToEvents();
    }
  }
}

/** A conversation with every branch, or `null` when it is gone or unreadable (then named in `counts.unreadable`). */
function readForExport(store: HistoryStore, id: string, counts: ExportCounts): ExportedConversation | null {
  try {
    return store.readConversation(id);
  } catch (error) {
    if (isStoreError(error, 'NOT_FOUND')) return null; // deleted since the list was read
    // Stored on a damaged page: read in one transaction, so nothing of it was written; listed instead.
    if (isStoreError(error, 'DB_CORRUPT')) {
      counts.unreadable.push({ id, title: store.titleOf(id) });
      return null;
    }
    throw error;
  }
}

function uniqueName(names: Set<string>, wanted: string): string {
  let name = wanted;
  for (let n = 2; names.has(name.toLowerCase()); n++) name = wanted.replace(/(\.\w+)$/, ` (${n})$1`);
  names.add(name.toLowerCase());
  return name;
}

function throwIfError(error: unknown): void {
  if (error !== null) throw error;
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new RpcError('ABORTED', 'Export cancelled; no file was written.');
}
