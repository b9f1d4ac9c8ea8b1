import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { firstReadable, readReadableRows } from './readable-rows';

/**
 * Salvage: after a damaged database has been replaced by a backup, copy into the restored database everything the
 * damaged file still has that the backup lacks — conversations written after the backup (or missing from it), the
 * messages added to older ones, replies that grew, titles and options changed, settings changed — so that no write
 * the app acknowledged is lost as long as its page can still be read.
 *
 * Rows are read one by one around the damage (see `readable-rows.ts`) and merged by id (ids are kept by backups):
 * - a conversation or message the restored database lacks is added (a reply left `streaming` becomes `interrupted`);
 * - where the damaged file's copy of a conversation is newer (`updated_at`), its title and options and its messages'
 *   text and status win;
 * - nothing is deleted: a message deleted after the backup comes back with it, as it would without salvage.
 * What could not be read is left out and counted. A message whose parent could not be read follows the nearest
 * earlier message of its conversation instead (its text matters more than its place in the tree); a conversation
 * whose own row could not be read is added as "Recovered conversation" with the messages that could.
 *
 * The damaged file is opened read-only and never changed.
 */

/** The title of a conversation whose own row could not be read, but some of whose messages could. */
export const RECOVERED_TITLE = 'Recovered conversation';

/** What {@link salvage} copied into the restored database, and what it could not. */
export interface SalvageReport {
  /** The damaged file that was read. */
  from: string;
  /** Conversations added or brought up to date with everything the damaged file had of them. */
  saved: number;
  /** Conversations added or brought up to date, but with something that could not be read (messages, the title). */
  partlySaved: number;
  /** Conversations newer than the backup or missing from it, of which nothing new could be read. */
  lost: number;
  /** Messages added, or updated to the damaged file's newer text. */
  messagesSaved: number;
  /** Messages the damaged file had (its indexes list them) that could not be read and that the backup lacks. */
  messagesLost: number;
  /**
   * Set when nothing could be salvaged: why (the damaged file is not a database any more, or the restored one could
   * not be written).
   */
  failure: string | null;
}

interface ConversationRow {
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
}

interface MessageRow {
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

/** Conversation columns added after schema version 1, and their values in a file from before them. */
const CONVERSATION_DEFAULTS = { pinned: 0, archived: 0, system_prompt: null, generation_json: '{}', model: null } as const;
const MESSAGE_COLUMNS = ['id', 'conversation_id', 'parent_id', 'seq', 'role', 'content', 'status', 'created_at', 'stats_json', 'error'];

/** What happened to one conversation of the damaged file during the merge. */
interface Outcome {
  /** Something of it was added or updated. */
  changed: boolean;
  /** Something of it is known to be missing (a message, its parent, its own row). */
  incomplete: boolean;
  /** The damaged file's copy is newer than the restored one (or the restored one did not have it). */
  newer: boolean;
  /** Added by the salvage as "Recovered conversation". */
  placeholder: boolean;
}

/** Options of {@link salvage}. */
export interface SalvageOptions {
  nativeBinding?: string;
  /** Told now and then how far the read of the messages is: the last rowid read, of the last (when known). */
  onProgress?: (done: number, total: number | null) => void;
}

/**
 * Copy what `damagedFile` has beyond the restored database `target` (open, migrated) into it, in one transaction.
 * Never throws for damage in `damagedFile` (that is what it is for); throws only when `target` cannot be written.
 */
export function salvage(damagedFile: string, target: Database, options: SalvageOptions = {}): SalvageReport {
  const report: SalvageReport = { from: damagedFile, saved: 0, partlySaved: 0, lost: 0, messagesSaved: 0, messagesLost: 0, failure: null };
  let source: Database;
  let columns: { conversations: Set<string>; messages: Set<string> };
  try {
    source = new Sqlite(damagedFile, {
      readonly: true,
      fileMustExist: true,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    });
  } catch (error) {
    report.failure = reasonOf(error);
    return report;
  }
  try {
    try {
      columns = { conversations: columnsOf(source, 'conversations'), messages: columnsOf(source, 'messages') };
    } catch (error) {
      report.failure = reasonOf(error);
      return report;
    }
    if (columns.conversations.size === 0 || !MESSAGE_COLUMNS.every((column) => columns.messages.has(column))) {
      report.failure = 'it does not hold conversations in a form this app knows';
      return report;
    }
    target.transaction(() => merge(source, target, columns.conversations, report, options.onProgress))();
    return report;
  } finally {
    source.close();
  }
}

function merge(
  source: Database,
  target: Database,
  conversationColumns: ReadonlySet<string>,
  report: SalvageReport,
  onProgress: SalvageOptions['onProgress'],
): void {
  const into = targetStatements(target);

  // 1. What the damaged file can tell: its readable conversation rows, and what its indexes say existed.
  const conversations = new Map<string, ConversationRow>();
  readReadableRows<ConversationRow>(source, 'conversations', [...conversationColumns], (row) =>
    conversations.set(row.id, { ...CONVERSATION_DEFAULTS, ...row }),
  );
  const knownConversations = new Map<string, number | null>();
  for (const row of firstReadable<{ id: string; updatedAt: number | null }>(source, [
    'SELECT id, updated_at AS updatedAt FROM conversations INDEXED BY conversations_by_list',
    'SELECT id, updated_at AS updatedAt FROM conversations INDEXED BY conversations_by_recency',
    'SELECT id, NULL AS updatedAt FROM conversations INDEXED BY sqlite_autoindex_conversations_1',
  ])) {
    knownConversations.set(row.id, row.updatedAt);
  }
  const knownMessages = new Map<string, string | null>();
  for (const row of firstReadable<{ id: string; conversationId: string | null }>(source, [
    'SELECT id, conversation_id AS conversationId FROM messages INDEXED BY messages_by_conversation_id',
    'SELECT id, NULL AS conversationId FROM messages INDEXED BY sqlite_autoindex_messages_1',
  ])) {
    knownMessages.set(row.id, row.conversationId);
  }

  // 2. Conversations, then messages in rowid order (a parent is always written before its children).
  const outcomes = new Map<string, Outcome>();
  const outcomeOf = (id: string, firstMessage?: MessageRow): Outcome => {
    let outcome = outcomes.get(id);
    if (!outcome) {
      outcome = planConversation(id, { row: conversations.get(id), indexed: knownConversations.get(id), firstMessage }, into);
      outcomes.set(id, outcome);
    }
    return outcome;
  };
  for (const id of conversations.keys()) outcomeOf(id);

  const read = new Set<string>();
  const missingParents = new Set<string>();
  readReadableRows<MessageRow>(source, 'messages', MESSAGE_COLUMNS, (row) => {
    read.add(row.id);
    const outcome = outcomeOf(row.conversation_id, row);
    const existing = into.message.get({ id: row.id });
    if (existing) {
      // The damaged file's text wins where its conversation is newer, and for a reply the backup caught mid-stream
      // (its text grows without the conversation's time changing).
      const update = outcome.newer || existing.status === 'streaming' || existing.status === 'interrupted';
      if (update && differs(existing, row) && savepoint(target, () => into.updateMessage.run(messageValues(row)))) {
        outcome.changed = true;
        report.messagesSaved += 1;
      }
      return;
    }
    let parentId = row.parent_id;
    if (parentId !== null && !into.message.get({ id: parentId })) {
      // Its parent could not be read: it follows the nearest earlier message of its conversation instead.
      missingParents.add(parentId);
      outcome.incomplete = true;
      parentId = into.lastBefore.get({ conversationId: row.conversation_id, seq: row.seq })?.id ?? null;
    }
    const parentSeq = parentId === null ? 0 : (into.message.get({ id: parentId })?.seq ?? 0);
    const seqFree = row.seq > parentSeq && !into.seqTaken.get({ conversationId: row.conversation_id, seq: row.seq });
    const seq = seqFree ? row.seq : (into.maxSeq.get({ conversationId: row.conversation_id })?.seq ?? 0) + 1;
    const values = messageValues({ ...row, parent_id: parentId, seq });
    // A value the schema refuses now (reply figures that are no longer valid JSON) is dropped, not the message.
    if (savepoint(target, () => into.insertMessage.run(values)) || savepoint(target, () => into.insertMessage.run({ ...values, statsJson: null }))) {
      outcome.changed = true;
      report.messagesSaved += 1;
    } else {
      outcome.incomplete = true;
      report.messagesLost += 1;
    }
  }, onProgress);

  // 3. Messages the indexes list but the table could not give (and the backup lacks).
  for (const [id, conversationId] of knownMessages) {
    if (read.has(id) || into.message.get({ id })) continue;
    missingParents.delete(id);
    report.messagesLost += 1;
    if (conversationId !== null) outcomeOf(conversationId).incomplete = true;
  }
  for (const id of missingParents) if (!read.has(id) && !into.message.get({ id })) report.messagesLost += 1;

  // 4. Each conversation's row and shown branch, and the counts.
  for (const [id, outcome] of outcomes) {
    const row = conversations.get(id);
    if (row && outcome.newer && !outcome.placeholder && into.conversation.get({ id })) {
      if (savepoint(target, () => into.updateConversation.run(conversationValues(row)))) outcome.changed = true;
    }
    if (outcome.changed) chooseLeaf(id, row, outcome, into);
  }
  for (const [id, updatedAt] of knownConversations) {
    if (outcomes.has(id)) continue;
    const restored = into.conversation.get({ id });
    // Known only from its index: its row and messages could not be read.
    if (!restored || (updatedAt !== null && updatedAt > restored.updated_at)) outcomeOf(id).incomplete = true;
  }
  for (const outcome of outcomes.values()) {
    if (outcome.changed && outcome.incomplete) report.partlySaved += 1;
    else if (outcome.changed) report.saved += 1;
    else if (outcome.incomplete) report.lost += 1;
  }
}

/** What the merge will do with conversation `id`: add it (from its row, or as a placeholder), or bring it up to date. */
function planConversation(
  id: string,
  damaged: {
    /** Its row in the damaged file, if that could be read. */
    row: ConversationRow | undefined;
    /** Its time from the damaged file's index (`undefined`: not found there; `null`: that index has no time). */
    indexed: number | null | undefined;
    /** The first of its messages read, when the merge meets the conversation through one. */
    firstMessage: MessageRow | undefined;
  },
  into: TargetStatements,
): Outcome {
  const { row, indexed, firstMessage } = damaged;
  const restored = into.conversation.get({ id });
  if (restored && row) {
    return { changed: false, incomplete: false, newer: row.updated_at > restored.updated_at, placeholder: false };
  }
  if (restored) {
    // Its row could not be read: newer by its index's time if that could be read (a changed title is lost then);
    // otherwise unknown, so its readable messages are merged as if it were.
    const newer = typeof indexed === 'number' ? indexed > restored.updated_at : true;
    return { changed: false, incomplete: typeof indexed === 'number' && newer, newer, placeholder: false };
  }
  if (row) {
    const values = conversationValues(row);
    if (savepoint(into.db, () => into.insertConversation.run(values))) {
      return { changed: true, incomplete: false, newer: true, placeholder: false };
    }
    // An option the schema refuses now (settings that are no longer valid JSON): the conversation without its options.
    const added = savepoint(into.db, () => into.insertConversation.run(conversationValues({ ...row, ...CONVERSATION_DEFAULTS })));
    return { changed: added, incomplete: true, newer: true, placeholder: false };
  }
  if (!firstMessage) return { changed: false, incomplete: true, newer: true, placeholder: false };
  const placeholder = {
    ...CONVERSATION_DEFAULTS,
    id,
    title: RECOVERED_TITLE,
    created_at: firstMessage.created_at,
    updated_at: firstMessage.created_at,
    current_leaf_id: null,
  };
  const added = savepoint(into.db, () => into.insertConversation.run(conversationValues(placeholder)));
  return { changed: added, incomplete: true, newer: true, placeholder: added };
}

/**
 * The branch to show: the damaged file's current leaf when it was copied, else the newest message (a recovered
 * conversation's time is its newest message's).
 */
function chooseLeaf(id: string, row: ConversationRow | undefined, outcome: Outcome, into: TargetStatements): void {
  const leaf = row?.current_leaf_id ?? null;
  const leafHere = leaf !== null && into.message.get({ id: leaf })?.conversation_id === id;
  if (leafHere && outcome.newer) {
    into.setLeaf.run({ id, leafId: leaf });
  } else if (!leafHere) {
    const newest = into.newest.get({ conversationId: id });
    if (newest) into.setLeaf.run({ id, leafId: newest.id });
  }
  if (outcome.placeholder) into.touchRecovered.run({ id });
}

type TargetStatements = ReturnType<typeof targetStatements>;

function targetStatements(db: Database) {
  return {
    db,
    conversation: db.prepare<{ id: string }, { updated_at: number }>('SELECT updated_at FROM conversations WHERE id = @id'),
    insertConversation: db.prepare(`
      INSERT INTO conversations
        (id, title, created_at, updated_at, current_leaf_id, pinned, archived, system_prompt, generation_json, model)
      VALUES (@id, @title, @createdAt, @updatedAt, NULL, @pinned, @archived, @systemPrompt, @generationJson, @model)`),
    updateConversation: db.prepare(`
      UPDATE conversations SET title = @title, created_at = @createdAt, updated_at = @updatedAt, pinned = @pinned,
        archived = @archived, system_prompt = @systemPrompt, generation_json = @generationJson, model = @model
      WHERE id = @id`),
    setLeaf: db.prepare('UPDATE conversations SET current_leaf_id = @leafId WHERE id = @id'),
    touchRecovered: db.prepare(`
      UPDATE conversations SET updated_at = max(updated_at, (SELECT max(created_at) FROM messages WHERE conversation_id = @id))
      WHERE id = @id`),
    message: db.prepare<{ id: string }, MessageRow>(`SELECT ${MESSAGE_COLUMNS.join(', ')} FROM messages WHERE id = @id`),
    lastBefore: db.prepare<{ conversationId: string; seq: number }, { id: string }>(
      'SELECT id FROM messages WHERE conversation_id = @conversationId AND seq < @seq ORDER BY seq DESC LIMIT 1',
    ),
    newest: db.prepare<{ conversationId: string }, { id: string }>(
      'SELECT id FROM messages WHERE conversation_id = @conversationId ORDER BY seq DESC LIMIT 1',
    ),
    seqTaken: db.prepare<{ conversationId: string; seq: number }, { one: number }>(
      'SELECT 1 AS one FROM messages WHERE conversation_id = @conversationId AND seq = @seq',
    ),
    maxSeq: db.prepare<{ conversationId: string }, { seq: number | null }>(
      'SELECT max(seq) AS seq FROM messages WHERE conversation_id = @conversationId',
    ),
    insertMessage: db.prepare(`
      INSERT INTO messages (id, conversation_id, parent_id, seq, role, content, status, created_at, stats_json, error)
      VALUES (@id, @conversationId, @parentId, @seq, @role, @content, @status, @createdAt, @statsJson, @error)`),
    updateMessage: db.prepare(`
      UPDATE messages SET content = @content, status = @status, stats_json = @statsJson, error = @error WHERE id = @id`),
  };
}

function conversationValues(row: ConversationRow) {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    pinned: row.pinned,
    archived: row.archived,
    systemPrompt: row.system_prompt,
    generationJson: row.generation_json,
    model: row.model,
  };
}

function messageValues(row: MessageRow) {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    parentId: row.parent_id,
    seq: row.seq,
    role: row.role,
    content: row.content,
    // Nothing is writing it any more: kept with its text, as a crash leaves one.
    status: row.status === 'streaming' ? 'interrupted' : row.status,
    createdAt: row.created_at,
    statsJson: row.stats_json,
    error: row.error,
  };
}

function differs(a: MessageRow, b: MessageRow): boolean {
  return a.content !== b.content || a.status !== messageValues(b).status || a.stats_json !== b.stats_json || a.error !== b.error;
}

/** Run one write in a savepoint: true when it changed a row; a refused row is rolled back alone. */
function savepoint(db: Database, write: () => { changes: number }): boolean {
  try {
    return db.transaction(write)().changes > 0;
  } catch {
    return false;
  }
}

function columnsOf(db: Database, table: string): Set<string> {
  return new Set((db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
