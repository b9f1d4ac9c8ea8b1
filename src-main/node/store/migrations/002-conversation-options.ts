import type { Migration } from './migration';

/**
 * What a user sets on a conversation: pinned, archived, a system prompt, sampling overrides and the model used.
 *
 * - `pinned` and `archived` are 0/1 integers with a CHECK (STRICT tables have no boolean type).
 * - `system_prompt` and `model` are NULL when unset, so "use the app default" and "empty prompt" stay distinct.
 * - `generation_json` holds only the overrides (`{}` by default), as JSON for the same reason as `stats_json` in 001:
 *   read and written whole, never queried, and it will gain fields. The store validates it with valibot on the way
 *   in and out; the CHECK only guards against a foreign writer storing non-JSON.
 *
 * The list the UI shows is "not archived (or only archived), pinned first, then most recently updated", so the
 * recency index of 001 becomes `conversations_by_list` with the two flags in front; 001's index would then be
 * unused weight on every message write (each bumps `updated_at`), so it is dropped.
 *
 * ADD COLUMN with a constant default rewrites nothing: existing rows read the default from the schema.
 */
export const migration002ConversationOptions: Migration = {
  version: 2,
  name: 'conversation-options',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
      ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
      ALTER TABLE conversations ADD COLUMN system_prompt TEXT;
      ALTER TABLE conversations ADD COLUMN generation_json TEXT NOT NULL DEFAULT '{}'
        CHECK (json_valid(generation_json) AND json_type(generation_json) = 'object');
      ALTER TABLE conversations ADD COLUMN model TEXT;

      DROP INDEX conversations_by_recency;
      CREATE INDEX conversations_by_list ON conversations (archived, pinned, updated_at, created_at, id);
    `);
  },
};
