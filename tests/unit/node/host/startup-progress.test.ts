import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../../../src-main/common/contract';
import { connectApp, serveApp, type AppClient } from '../../../../src-main/common/app-rpc';
import { createMemoryTransportPair } from '../../../support/memory-transport';
import type { StartupState } from '../../../../src-main/common/types';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { DATABASE_FILE } from '../../../../src-main/node/host/compose';
import { startApp, type StartAppOptions, type StartingApp } from '../../../../src-main/node/host/startup/start-app';
import { LATEST_SCHEMA_VERSION } from '../../../../src-main/node/store/migrations';
import { DATABASE_DAMAGED_NOTICE } from '../../../../src-main/node/services/notice-board';
import { corruptPages, leafPagesOf } from '../../../fixtures/damaged-database';
import { historyDigest, MARKED_CONVERSATION, writeHistory } from '../../../fixtures/generated-history';
import { tempDataDir } from './compose-harness';

/**
 * The start-up over the contract, as a page sees it: the store opened in its own process (the real one), the pages
 * told how far it is, the methods that need the store answered once it is open, and a failure said in words.
 */

let data: { dir: string; remove: () => void };
let app: StartingApp | undefined;
beforeEach(() => {
  data = tempDataDir();
});
afterEach(async () => {
  await app?.dispose();
  app = undefined;
  data.remove();
});

/** The app starting on the data folder, a client of its contract, and every start-up state pushed to it. */
function start(options: Partial<StartAppOptions> = {}): { client: AppClient; states: StartupState[] } {
  app = startApp({ dataDir: data.dir, engine: new ScriptedEngine({ initialModelPath: '/models/scripted.gguf' }), host: 'browser', version: '0.0.0-test', ...options });
  const pair = createMemoryTransportPair();
  const server = serveApp(pair.server, app.handlers);
  app.onPush((event) => server.push(event));
  const client = connectApp(pair.client);
  const states: StartupState[] = [];
  client.onPush((event) => {
    if (event.type === 'onStartupProgress') states.push(event.startup);
  });
  return { client, states };
}

describe('starting over the contract', () => {
  it('an update in its own process: the steps in order, each bar growing; the store’s methods answer once it is open', async () => {
    const file = path.join(data.dir, DATABASE_FILE);
    writeHistory(file, { version: 3, conversations: 200, messagesPerConversation: 60 });
    const written = historyDigest(file);
    const { client, states } = start();

    // At once: where the start stands, the engine; the list waits for the store.
    const first = await client.call('app.getStartup', {});
    expect(first.phase).toBe('opening');
    expect((await client.call('engine.getStatus', {})).state).toBe('ready');
    const list = client.call('conversations.list', {});
    await app!.ready;
    expect((await list).map((conversation) => conversation.title)).toContain(MARKED_CONVERSATION.title);
    expect((await client.call('search.query', { query: MARKED_CONVERSATION.word })).messages).toHaveLength(1);

    // Phases: opening, then ready, never back.
    const phases = states.map((state) => state.phase);
    expect(phases.indexOf('ready')).toBe(phases.length - phases.slice().reverse().indexOf('opening'));
    expect(phases.at(-1)).toBe('ready');
    const steps = states.filter((state) => state.phase === 'opening' && state.step).map((state) => state.step!);
    const kinds = steps.map((step) => step.kind).filter((kind, index, all) => kind !== all[index - 1]);
    expect(kinds).toEqual(['backup', 'migrate', 'check']);
    // Within an update step the bar only grows: the counts go up to the whole.
    const counted = steps.map((step) => /^Updating the database: ([\d,]+) of 12,000 messages$/.exec(step.text)?.[1]).filter((done) => done !== undefined);
    expect(counted.length).toBeGreaterThan(2);
    expect(counted).toContain('12,000');
    // Each update step is told as it begins (no figure yet), then its bar only grows until the next step begins.
    const runs: number[][] = [];
    for (const step of steps.filter((each) => each.kind === 'migrate' && each.text.startsWith('Updating the database'))) {
      if (step.fraction === null) runs.push([]);
      else runs.at(-1)!.push(step.fraction);
    }
    expect(runs).toHaveLength(LATEST_SCHEMA_VERSION - 3);
    for (const run of runs) expect(run.every((fraction, index) => index === 0 || fraction >= run[index - 1]!)).toBe(true);
    expect(runs.flat().length).toBeGreaterThanOrEqual(3);
    // Then what the update wrote is saved into the file before the store opens (no bar: one statement).
    expect(steps.some((step) => step.kind === 'migrate' && step.text === 'Saving the changes into the database…')).toBe(true);
    expect((await client.call('app.getStartup', {})).phase).toBe('ready');

    await app!.dispose();
    app = undefined;
    const db = new Sqlite(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
    expect(historyDigest(file)).toEqual(written);
  });

  it('the check goes on in the background once the app is ready, its progress told, then gone', async () => {
    writeHistory(path.join(data.dir, DATABASE_FILE), { version: LATEST_SCHEMA_VERSION, conversations: 300, messagesPerConversation: 60 });
    const { states } = start({ storeOpening: 'process', store: { checkBudgetMs: 0 } });
    await app!.ready;
    const told = (): StartupState[] => states.filter((state) => state.phase === 'ready');
    await expect.poll(() => told().at(-1)?.check, { timeout: 30_000 }).toBeNull();
    const checks = told().flatMap((state) => (state.check ? [state.check] : []));
    expect(checks[0]).toMatchObject({ kind: 'check', text: 'Checking your conversation database for damage…' });
    const fractions = checks.flatMap((check) => (check.fraction === null ? [] : [check.fraction]));
    expect(fractions.every((fraction, index) => index === 0 || fraction >= fractions[index - 1]!)).toBe(true);
    await expect(app!.composed!.store.checked).resolves.toEqual({ state: 'intact' });
  });

  it('damage the background check finds makes the store read-only and is told, as with the check in the app', async () => {
    const file = path.join(data.dir, DATABASE_FILE);
    writeHistory(file, { version: LATEST_SCHEMA_VERSION, conversations: 300, messagesPerConversation: 60 });
    const leaves = leafPagesOf(file, 'messages');
    corruptPages(file, [leaves.at(-2)!.page]); // near the end of the messages: read by the check after the budget
    const { client } = start({ storeOpening: 'process', store: { checkBudgetMs: 0 } });
    const composed = await app!.ready;
    await expect(composed.store.checked).resolves.toMatchObject({ state: 'damaged' });
    expect(composed.store.health.damage).toMatch(/is damaged/);
    expect((await client.call('app.getNotices', {})).map((notice) => notice.id)).toContain(DATABASE_DAMAGED_NOTICE.id);
    await expect(client.call('conversations.create', {})).rejects.toMatchObject({ code: 'STORE_FAILED', details: { storeCode: 'DB_READ_ONLY' } });
  });

  it('a database the app cannot open: the start fails in words, and the waiting calls with STORE_FAILED', async () => {
    const file = path.join(data.dir, DATABASE_FILE);
    writeHistory(file, { version: LATEST_SCHEMA_VERSION, conversations: 2, messagesPerConversation: 2 });
    const db = new Sqlite(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const { client, states } = start({ storeOpening: 'process' });
    const waiting = client.call('conversations.list', {}).catch((error: unknown) => error);
    await expect(app!.ready).rejects.toMatchObject({ code: 'DB_TOO_NEW' });
    const failure = (await waiting) as RpcError;
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: 'STORE_FAILED', details: { storeCode: 'DB_TOO_NEW' } });
    expect(failure.message).toMatch(/^The conversation database was written by a newer version of Phi Desk; update the app to open it\./);
    await expect.poll(() => states.at(-1)?.phase).toBe('failed');
    expect(states.at(-1)?.error).toBe(failure.message);
    expect((await client.call('app.getStartup', {})).phase).toBe('failed');
  });
});
