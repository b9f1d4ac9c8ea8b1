import type { Migration } from './migration';

/**
 * Where a conversation's replies come from (issue 15): `engine` is `NULL` for the model on this computer — every
 * conversation written before, which the local model answered — or the id of a remote OpenAI-compatible server the
 * user added (kept in the app settings, `remoteServers`).
 *
 * An id rather than the server's address: the server's address, model and key can change in Settings without
 * touching the conversations, and a removed server leaves an id the app recognises as gone and says so. No foreign
 * key (the servers live in `app_settings` as JSON); the CHECK keeps a foreign writer to the shape of an id.
 * `conversations.model` (migration 002) stays what it is: the display name of the model that wrote the latest reply.
 *
 * ADD COLUMN with no default rewrites nothing: every existing row reads `NULL` (the local model).
 */
export const migration009ConversationEngine: Migration = {
  version: 9,
  name: 'conversation-engine',
  up(db) {
    db.exec(`
      ALTER TABLE conversations ADD COLUMN engine TEXT CHECK (engine IS NULL OR (length(engine) BETWEEN 1 AND 64));
    `);
  },
};
