import { RpcError } from '../../common/contract';
import type { HistoryFormat } from '../../common/types';
import type { ExportSelection, HistoryStore } from '../store/history-store';
import type { BranchChoice } from './formats/conversation-view';
import type { ContentsEntry, ExportFormat } from './formats/format-writer';
import { htmlFormat } from './formats/html-format';
import { jsonFormat } from './formats/json-format';
import { markdownFormat } from './formats/markdown-format';

/** What to export, as `history.export` and the CLI ask for it. */
export interface ExportRequest {
  format: HistoryFormat;
  selection: ExportSelection;
  /** Take archived conversations too. */
  includeArchived: boolean;
  /** Markdown and HTML: the branch shown, or every branch. */
  branches: BranchChoice;
  /** One file per conversation, in a zip with an index. */
  separate: boolean;
}

/** The conversations an export will write, known before the file is started (to name it, and for contents). */
export interface ExportPlan {
  request: ExportRequest;
  format: ExportFormat;
  /** Their ids, oldest first, with what a table of contents shows of each. */
  entries: Array<{ id: string } & ContentsEntry>;
  /** Conversations that cannot be read (a damaged database): left out, and named in the result. */
  unreadable: Array<{ id: string; title: string | null }>;
  /** Messages of every branch of the conversations taken: the progress total. */
  totalMessages: number;
}

export const EXPORT_FORMATS: Record<HistoryFormat, ExportFormat> = {
  json: jsonFormat,
  markdown: markdownFormat,
  html: htmlFormat,
};

/**
 * Find the conversations `request` takes. An export of everything is also a rescue from a damaged database: what
 * cannot be read is listed in `unreadable` and the rest goes ahead.
 * @throws RpcError `NOT_FOUND` when none of the conversations named exists; `BAD_REQUEST` (`NOTHING`) when a search
 * or date range matches none. (An export of everything from an empty history is an empty, valid file.)
 */
export function planExport(store: HistoryStore, request: ExportRequest): ExportPlan {
  const listed = store.idsFor(request.selection, request.includeArchived);
  const entries: ExportPlan['entries'] = [];
  const unreadable: ExportPlan['unreadable'] = listed.unreadable.map((id) => ({ id, title: null }));
  let totalMessages = 0;
  for (const id of listed.ids) {
    const summary = store.summary(id);
    if (summary === null) {
      // Listed a moment ago: deleted since (skip it), or stored where the database is damaged (name it).
      if (store.damaged) unreadable.push({ id, title: store.titleOf(id) });
      continue;
    }
    entries.push({ id, ...summary });
    totalMessages += summary.messages;
  }
  if (entries.length === 0 && unreadable.length === 0) {
    if (request.selection.kind === 'conversations') {
      throw new RpcError(
        'NOT_FOUND',
        request.selection.ids.length === 1
          ? `No conversation ${request.selection.ids[0]} to export${request.includeArchived ? '' : ' (archived ones were left out)'}.`
          : 'None of the conversations to export is here any more.',
      );
    }
    if (request.selection.kind === 'search') {
      throw new RpcError('BAD_REQUEST', 'No conversation matches the search and dates: there is nothing to export.', {
        reason: 'NOTHING',
      });
    }
  }
  return { request, format: EXPORT_FORMATS[request.format], entries, unreadable, totalMessages };
}
