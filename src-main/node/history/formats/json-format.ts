import type { ExportedConversation } from '../../store/history-schema';
import { EXPORT_FORMAT, EXPORT_VERSION } from '../../store/history-schema';
import type { ExportFormat, ExportInfo, FormatWriter } from './format-writer';

/**
 * The lossless, importable format: `{ format: "phi-desk-export", version: 1, exportedAt, app, conversations: [...] }`
 * with every message of every branch (schema: `resources/schemas/phi-desk-history.schema.json`). Written a message
 * per line, so a big export is many small writes and a diff of two exports reads well. The header comes first: the
 * streamed import reads `format` and `version` before any conversation.
 */
export const jsonFormat: ExportFormat = {
  extension: 'json',
  mediaType: 'application/json',
  writer: (info) => new JsonWriter(info),
};

class JsonWriter implements FormatWriter {
  lastMessageCount = 0;
  readonly #info: ExportInfo;

  constructor(info: ExportInfo) {
    this.#info = info;
  }

  begin(): string {
    const header = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: this.#info.exportedAt,
      app: { name: 'Phi Desk', version: this.#info.appVersion },
    };
    return `${JSON.stringify(header).slice(0, -1)},"conversations":[`;
  }

  *conversation(conversation: ExportedConversation, index: number): Iterable<string> {
    const { messages, ...options } = conversation;
    yield `${index > 0 ? ',' : ''}\n${JSON.stringify(options).slice(0, -1)},"messages":[`;
    for (const [at, message] of messages.entries()) yield `${at > 0 ? ',' : ''}\n${JSON.stringify(message)}`;
    yield ']}';
    this.lastMessageCount = messages.length;
  }

  end(): string {
    return '\n]}\n';
  }
}
