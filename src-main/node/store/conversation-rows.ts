import * as v from 'valibot';
import type { Message, MessageRole, MessageStatus, ReplyStats } from '../../common/types';
import { GenerationOverridesSchema } from './settings-schemas';
import type { GenerationOverrides } from './settings-schemas';
import { StoreError } from './store-error';
import type { ConversationRecord } from './store-types';

/** A `conversations` row as SQLite returns it. */
export interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  pinned: number;
  archived: number;
  system_prompt: string | null;
  generation_json: string;
  model: string | null;
  source: string;
  engine: string | null;
}

/** A `messages` row as SQLite returns it. */
export interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  seq: number;
  role: string;
  content: string;
  status: string;
  created_at: number;
  stats_json: string | null;
  error: string | null;
}

const ROLES: ReadonlySet<string> = new Set<MessageRole>(['user', 'assistant']);
const STATUSES: ReadonlySet<string> = new Set<MessageStatus>(['complete', 'streaming', 'stopped', 'interrupted', 'error']);

/** The store's shape of a conversation row (a `Conversation` with its settings). */
export function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    pinned: row.pinned === 1,
    archived: row.archived === 1,
    systemPrompt: row.system_prompt,
    generation: toGenerationOverrides(row),
    model: row.model,
    // CHECKed by the schema (migration 006); anything else would be a foreign writer's, shown as a plain chat.
    source: row.source === 'quick' ? 'quick' : 'chat',
    engine: row.engine,
  };
}

/**
 * The stored overrides, validated: a value out of range (written by another tool, or by a newer app with wider
 * ranges) is dropped so the app default applies, rather than making the whole conversation unreadable.
 */
function toGenerationOverrides(row: ConversationRow): GenerationOverrides {
  const stored = JSON.parse(row.generation_json) as Record<string, unknown>;
  const valid: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (v.is(GenerationOverridesSchema, { [key]: value })) valid[key] = value;
  }
  return valid as GenerationOverrides;
}

/**
 * The shared shape of a message row. role and status are TEXT without a CHECK (see migration 001), so they are
 * checked here: a value this version does not know means the file was edited by something else.
 */
export function toMessage(row: MessageRow): Message {
  if (!ROLES.has(row.role)) throw corrupt(row, `unknown role "${row.role}"`);
  if (!STATUSES.has(row.status)) throw corrupt(row, `unknown status "${row.status}"`);
  return {
    id: row.id,
    conversationId: row.conversation_id,
    parentId: row.parent_id,
    role: row.role as MessageRole,
    content: row.content,
    status: row.status as MessageStatus,
    createdAt: row.created_at,
    // The column is CHECK(json_valid) and written only by the store from a ReplyStats.
    stats: row.stats_json === null ? null : (JSON.parse(row.stats_json) as ReplyStats),
    error: row.error,
  };
}

function corrupt(row: MessageRow, what: string): StoreError {
  return new StoreError('DB_CORRUPT', `Message ${row.id} has an ${what}`);
}
