import type { Conversation, Message, MessageRole, MessageStatus, ReplyStats } from '../../common/types';
import { StoreError } from './store-error';

/** A `conversations` row as SQLite returns it. */
export interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
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

/** The shared shape of a conversation row. */
export function toConversation(row: ConversationRow): Conversation {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at };
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
