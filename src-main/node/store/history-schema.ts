import * as v from 'valibot';
import { TEXT_LIMITS } from './input-limits';
import { GenerationOverridesSchema } from './settings-schemas';

/**
 * The export file's format (`history.export` writes it, `history.import` reads it): one JSON document,
 * `{ format: "phi-desk-export", version: 1, exportedAt, conversations: [...] }`. Each conversation carries its
 * options, its current leaf and every message of every branch in write order (a parent always before its children).
 *
 * Ids in a file only link messages to their parents; an import gives everything new ids. Unknown fields are ignored
 * (a later version 1 writer may add some); a new `version` is refused by an older app.
 */

/** The `format` value of every export file. */
export const EXPORT_FORMAT = 'phi-desk-export';
/** The file version this app writes and reads. */
export const EXPORT_VERSION = 1;

/** The longest origin key (`chatgpt:<id>`); the database's CHECK (migration 009) holds the same bound. */
export const MAX_ORIGIN_LENGTH = 300;

const FileId = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const Timestamp = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15));
const Count = v.pipe(v.number(), v.finite(), v.minValue(0));
const bounded = (limit: number) => v.pipe(v.string(), v.maxLength(limit));

const ReplyStatsSchema = v.object({
  promptTokens: Count,
  evaluatedPromptTokens: Count,
  generatedTokens: Count,
  timeToFirstTokenMs: Count,
  tokensPerSecond: Count,
  stopReason: v.picklist(['eos', 'stopText', 'maxTokens', 'aborted', 'error']),
  messagesInView: v.optional(Count),
  messagesDropped: v.optional(Count),
  /** The model that wrote the reply (issue 15); absent in files from before. */
  model: v.optional(bounded(TEXT_LIMITS.model)),
});

const ExportedMessageSchema = v.object({
  id: FileId,
  parentId: v.nullable(FileId),
  role: v.picklist(['user', 'assistant']),
  content: bounded(TEXT_LIMITS.message),
  status: v.picklist(['complete', 'streaming', 'stopped', 'interrupted', 'error']),
  createdAt: Timestamp,
  stats: v.nullable(ReplyStatsSchema),
  error: v.nullable(bounded(TEXT_LIMITS.error)),
});

export const ExportedConversationSchema = v.object({
  id: FileId,
  title: v.pipe(v.string(), v.minLength(1, 'a title cannot be empty'), v.maxLength(TEXT_LIMITS.title)),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  pinned: v.boolean(),
  archived: v.boolean(),
  systemPrompt: v.nullable(bounded(TEXT_LIMITS.systemPrompt)),
  generation: GenerationOverridesSchema,
  model: v.nullable(bounded(TEXT_LIMITS.model)),
  /** Where it was started (added after version 1 first shipped, so optional: absent reads as `chat`). */
  source: v.optional(v.picklist(['chat', 'quick'])),
  /**
   * Where an imported conversation came from (`chatgpt:<its id>`): importing it again anywhere finds it already there.
   * Optional, absent for a conversation written in Phi Desk (added after version 1 first shipped).
   */
  origin: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ORIGIN_LENGTH))),
  /** The tip of the branch shown; `null` only for a conversation without messages. */
  currentLeafId: v.nullable(FileId),
  /** Every message of every branch, in write order: a parent comes before its children. */
  messages: v.array(ExportedMessageSchema),
});

/** The first look at a file: is it ours, and which version? Checked before the full schema for a clear message. */
export const ExportHeaderSchema = v.object({
  format: v.literal(EXPORT_FORMAT),
  version: v.pipe(v.number(), v.integer()),
});

export const ExportFileSchema = v.object({
  format: v.literal(EXPORT_FORMAT),
  version: v.literal(EXPORT_VERSION),
  exportedAt: Timestamp,
  conversations: v.array(ExportedConversationSchema),
});

export type ExportedMessage = v.InferOutput<typeof ExportedMessageSchema>;
export type ExportedConversation = v.InferOutput<typeof ExportedConversationSchema>;
export type ExportFile = v.InferOutput<typeof ExportFileSchema>;

/**
 * What is wrong with a conversation's tree, or `null` when it is sound: ids unique, every parent earlier in the list
 * (so the tree has no cycles and can be inserted in order), the current leaf one of its messages.
 */
export function treeProblem(conversation: ExportedConversation): string | null {
  const seen = new Set<string>();
  for (const message of conversation.messages) {
    if (seen.has(message.id)) return `message id "${message.id}" appears twice`;
    if (message.parentId !== null && !seen.has(message.parentId)) {
      return `message "${message.id}" follows "${message.parentId}", which is not earlier in the conversation`;
    }
    seen.add(message.id);
  }
  const leaf = conversation.currentLeafId;
  if (leaf !== null && !seen.has(leaf)) return `the current message "${leaf}" is not one of its messages`;
  return null;
}
