import type { ExportedConversation } from '../../store/history-schema';
import type { BranchChoice } from './conversation-view';

/** What every file of an export says about itself. */
export interface ExportInfo {
  /** When the export was made (epoch ms). */
  exportedAt: number;
  appVersion: string;
  /** Markdown and HTML: the branch shown, or every branch (JSON always holds every branch). */
  branches: BranchChoice;
}

/** A conversation as a table of contents lists it, known before the conversations are written. */
export interface ContentsEntry {
  title: string;
  createdAt: number;
  messages: number;
}

/**
 * One export format. A file is written as `begin`, then `conversation` for each conversation in it, then `end`; each
 * returns (or yields) pieces of text that go to the file in order, so nothing bigger than a message is built at once.
 * One writer writes one file (a combined export, or one file of a zip), and may keep state across its conversations
 * (the HTML page collects the math fonts it will need).
 */
export interface FormatWriter {
  begin(contents: readonly ContentsEntry[]): string;
  /** `index` is the conversation's place in this file (0-based), matching `contents`. */
  conversation(conversation: ExportedConversation, index: number): Iterable<string>;
  end(): string;
  /** Messages written by the last `conversation` call (the branch shown, or all of them). */
  readonly lastMessageCount: number;
}

/** How a format is named and made. */
export interface ExportFormat {
  /** File extension, without the dot. */
  extension: 'json' | 'md' | 'html';
  /** The `Content-Type` of a download. */
  mediaType: string;
  /** A writer for one file; `combined` when it holds several conversations (not a zip's single one). */
  writer(info: ExportInfo, options: { combined: boolean }): FormatWriter;
}
