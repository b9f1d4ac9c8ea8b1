import { describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../../../src-main/node/store/migrations';
import { databaseAt, fillVersion1, version1Rows } from './migration-fixtures';
import { ConversationStore } from '../../../../src-main/node/store/conversation-store';
import { onCleanup, tempDbPath } from './temp-store';

describe('migration 009: the engine of a conversation', () => {
  it('adds the engine, NULL (the local model) on every existing conversation, and keeps every row', () => {
    const db = databaseAt(1);
    fillVersion1(db);
    runMigrations(db, MIGRATIONS.slice(0, 8));
    const before = version1Rows(db);
    const optionsBefore = db.prepare('SELECT id, pinned, archived, system_prompt, generation_json, model, source FROM conversations ORDER BY id').all();

    const result = runMigrations(db, MIGRATIONS.slice(0, 9));

    expect(result.applied).toEqual([9]);
    expect(version1Rows(db)).toEqual(before);
    expect(db.prepare('SELECT id, pinned, archived, system_prompt, generation_json, model, source FROM conversations ORDER BY id').all())
      .toEqual(optionsBefore);
    expect(db.prepare('SELECT id, engine FROM conversations ORDER BY id').all()).toEqual([
      { id: 'c1', engine: null },
      { id: 'c2', engine: null },
    ]);
  });

  it('accepts an id or NULL, nothing else (STRICT, CHECK)', () => {
    const db = databaseAt(9);
    db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)").run();
    const set = db.prepare("UPDATE conversations SET engine = ? WHERE id = 'c'");
    set.run('3f1c1a9e-server');
    set.run(null);
    expect(() => set.run('')).toThrow(/CHECK/);
    expect(() => set.run('x'.repeat(65))).toThrow(/CHECK/);
    expect(() => set.run(Buffer.from('server'))).toThrow(/cannot store BLOB value in TEXT column/);
  });

  it('is stored and changed through the store: created with an engine, moved to another, back to the local model', () => {
    const store = ConversationStore.open(tempDbPath());
    onCleanup(() => store.close());
    const conversation = store.createConversation({ engine: 'server-1' });
    expect(conversation.engine).toBe('server-1');
    expect(store.updateConversation(conversation.id, { engine: 'server-2' }).engine).toBe('server-2');
    expect(store.updateConversation(conversation.id, { pinned: true }).engine).toBe('server-2');
    expect(store.updateConversation(conversation.id, { engine: null }).engine).toBeNull();
    expect(store.createConversation().engine).toBeNull();
  });
});
