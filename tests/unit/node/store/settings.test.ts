import { describe, expect, it } from 'vitest';
import { PHI2_GENERATION_DEFAULTS } from '../../../../src-main/common/schemas';
import { DEFAULT_APP_SETTINGS, DEFAULT_GENERATION_SETTINGS, resolveGenerationSettings } from '../../../../src-main/node/store/settings-schemas';
import type { AppSettings } from '../../../../src-main/node/store/settings-schemas';
import { closeDatabase, openDatabase } from '../../../../src-main/node/store/open-database';
import { expectStoreError, openTestStore } from './store-fixtures';
import { onCleanup, tempDbPath } from './temp-store';

describe('app settings', () => {
  it('reads defaults on a fresh database, and keeps what is set across a restart', () => {
    const file = tempDbPath();
    const store = openTestStore(file);
    expect(store.settings.getAppSettings()).toEqual(DEFAULT_APP_SETTINGS);
    // A fresh app samples with the same Phi-2 defaults the engine falls back to.
    expect(store.settings.getAppSettings().defaultGeneration).toEqual(PHI2_GENERATION_DEFAULTS);

    store.settings.updateAppSettings({ theme: 'dark', backupsToKeep: 3 });
    store.settings.setAppSetting('defaultGeneration', { ...DEFAULT_GENERATION_SETTINGS, temperature: 0.2, seed: 42 });
    store.close();

    const reopened = openTestStore(file);
    expect(reopened.settings.getAppSettings()).toEqual({
      ...DEFAULT_APP_SETTINGS,
      theme: 'dark',
      backupsToKeep: 3,
      defaultGeneration: { ...DEFAULT_GENERATION_SETTINGS, temperature: 0.2, seed: 42 },
    });
    expect(reopened.settings.getAppSetting('theme')).toBe('dark');
    expect(reopened.settings.resetAppSettings(['theme']).theme).toBe('system');
  });

  it('refuses unknown keys and out-of-range values, changing nothing', () => {
    const store = openTestStore();
    store.settings.updateAppSettings({ theme: 'light' });

    expectStoreError(() => store.settings.updateAppSettings({ theme: 'dark', backupsToKeep: 0 }), 'INVALID_INPUT', /backupsToKeep/);
    expectStoreError(() => store.settings.updateAppSettings({ colour: 'red' } as Partial<AppSettings>), 'INVALID_INPUT');
    expectStoreError(
      () => store.settings.setAppSetting('defaultGeneration', { ...DEFAULT_GENERATION_SETTINGS, topP: 1.5 }),
      'INVALID_INPUT',
      /topP/,
    );
    expectStoreError(() => store.settings.setAppSetting('nope' as 'theme', 'dark'), 'INVALID_INPUT', /no setting/);
    expect(store.settings.getAppSettings().theme).toBe('light');
  });

  it('reads a stored value that no longer validates as its default, and ignores keys it does not know', () => {
    const store = openTestStore();
    const raw = openDatabase(store.file);
    onCleanup(() => closeDatabase(raw));
    const insert = raw.prepare('INSERT INTO app_settings (key, value_json, updated_at) VALUES (?, ?, 0)');
    insert.run('theme', '"neon"');
    insert.run('fromTheFuture', '{"x":1}');
    insert.run('sendShortcut', '"mod+enter"');

    expect(store.settings.getAppSettings()).toEqual({ ...DEFAULT_APP_SETTINGS, sendShortcut: 'mod+enter' });
  });
});

describe('conversation settings', () => {
  it('creates a conversation with a system prompt, overrides and model, and updates each field on its own', () => {
    const store = openTestStore();
    const created = store.conversations.createConversation({ title: 'Poems', systemPrompt: 'You are a poet.', generation: { temperature: 1.2 } });
    expect(created).toMatchObject({ pinned: false, archived: false, systemPrompt: 'You are a poet.', generation: { temperature: 1.2 }, model: null });

    const updated = store.conversations.updateConversation(created.id, { pinned: true, model: 'phi-2.Q4_K_M' });
    expect(updated).toEqual({ ...created, pinned: true, model: 'phi-2.Q4_K_M' });

    const cleared = store.conversations.updateConversation(created.id, { systemPrompt: null, generation: {} });
    expect(cleared).toMatchObject({ systemPrompt: null, generation: {}, pinned: true, title: 'Poems' });
    expect(store.conversations.getConversation(created.id)).toEqual(cleared);
  });

  it('validates generation overrides: each range, integers where needed, no unknown fields', () => {
    const store = openTestStore();
    const { id } = store.conversations.createConversation();
    const bad = [
      { temperature: -0.1 },
      { temperature: 2.5 },
      { topP: 1.01 },
      { topK: 3.5 },
      { topK: 1001 },
      { repeatPenalty: 0.9 },
      { seed: -1 },
      { seed: 2 ** 32 },
      { maxTokens: 0 },
      { maxTokens: 4096 },
      { temperature: Number.NaN },
      { mirostat: 2 },
    ];
    for (const generation of bad) {
      expectStoreError(() => store.conversations.updateConversation(id, { generation } as never), 'INVALID_INPUT');
    }
    const good = { temperature: 0, topP: 1, topK: 0, repeatPenalty: 2, seed: 0xffffffff, maxTokens: 2048 };
    expect(store.conversations.updateConversation(id, { generation: good }).generation).toEqual(good);
    expectStoreError(() => store.conversations.createConversation({ generation: { topK: -1 } }), 'INVALID_INPUT', /topK/);
    expectStoreError(() => store.conversations.updateConversation(id, { title: '   ' }), 'INVALID_INPUT', /empty/);
    expectStoreError(() => store.conversations.updateConversation('missing', { pinned: true }), 'NOT_FOUND');
  });

  it('resolves the settings of a reply: overrides over the app defaults', () => {
    expect(resolveGenerationSettings(DEFAULT_GENERATION_SETTINGS, { temperature: 0, seed: 7 })).toEqual({
      ...DEFAULT_GENERATION_SETTINGS,
      temperature: 0,
      seed: 7,
    });
  });

  it('lists pinned conversations first and archived ones apart, without reordering on pin', () => {
    const store = openTestStore();
    const [a, b] = ['a', 'b', 'c'].map((title) => store.conversations.createConversation({ title }));
    store.conversations.updateConversation(a!.id, { pinned: true });
    store.conversations.updateConversation(b!.id, { archived: true });

    expect(store.conversations.listConversations().map((x) => x.title)).toEqual(['a', 'c']);
    expect(store.conversations.listConversations({ archived: true }).map((x) => x.title)).toEqual(['b']);
    expect(store.conversations.getConversation(a!.id)?.updatedAt).toBe(a!.updatedAt);
  });

  it('reads an out-of-range override stored by another tool as unset', () => {
    const store = openTestStore();
    const { id } = store.conversations.createConversation();
    const raw = openDatabase(store.file);
    onCleanup(() => closeDatabase(raw));
    raw.prepare(`UPDATE conversations SET generation_json = '{"temperature":9,"topK":20}' WHERE id = ?`).run(id);

    expect(store.conversations.getConversation(id)?.generation).toEqual({ topK: 20 });
  });
});
