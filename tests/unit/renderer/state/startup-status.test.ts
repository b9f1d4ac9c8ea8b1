// @vitest-environment jsdom
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectApp, serveApp } from '../../../../src-main/common/app-rpc';
import { createMemoryTransportPair } from '../../../support/memory-transport';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { DATABASE_FILE } from '../../../../src-main/node/host/compose';
import { startApp, type StartingApp } from '../../../../src-main/node/host/startup/start-app';
import { nodeStoreProcessLauncher } from '../../../../src-main/node/host/startup/store-opener';
import { writeHistory } from '../../../fixtures/generated-history';
import { describeRemaining, StartupStatus } from '../../../../src-renderer/lib/startup.svelte';
import { tempDataDir } from '../../node/host/compose-harness';

/**
 * The window's start-up status against the app starting for real (a history that needs an update, opened in the
 * store's own process): a page connecting while it opens sees it opening, follows it, and ends ready.
 */
describe('the start-up status of a window', () => {
  let app: StartingApp | undefined;
  let remove: (() => void) | undefined;
  afterEach(async () => {
    await app?.dispose();
    remove?.();
  });

  it('asks once where the start stands, follows the pushes, and is ready when the app is', async () => {
    const data = tempDataDir();
    remove = data.remove;
    writeHistory(path.join(data.dir, DATABASE_FILE), { version: 3, conversations: 100, messagesPerConversation: 60 });
    app = startApp({
      dataDir: data.dir,
      engine: new ScriptedEngine(),
      host: 'browser',
      version: '0.0.0-test',
      // Compiled for the browser here, the opener cannot find its process's file beside itself: name it.
      launchStoreProcess: nodeStoreProcessLauncher(path.join(process.cwd(), 'src-main/node/host/startup/store-process.ts')),
    });
    const pair = createMemoryTransportPair();
    const server = serveApp(pair.server, app.handlers);
    app.onPush((event) => server.push(event));

    const status = new StartupStatus(connectApp(pair.client));
    expect(status.state).toBeNull();
    expect(status.ready).toBe(false);
    const seen = new Set<string>();
    const started = status.start();
    await started;
    expect(status.state?.phase).toBe('opening');
    await expect
      .poll(() => {
        if (status.state?.step) seen.add(status.state.step.kind);
        return status.ready;
      }, { timeout: 60_000, interval: 5 })
      .toBe(true);
    expect(seen.has('migrate')).toBe(true);
    expect(status.state).toEqual(app.startup());
    status.dispose();
  });
});

describe('the time left in words', () => {
  it('rounds as a person would say it', () => {
    expect(describeRemaining(null)).toBeNull();
    expect(describeRemaining(3000)).toBe('A few seconds left');
    expect(describeRemaining(41_000)).toBe('About 40 s left');
    expect(describeRemaining(62_000)).toBe('About 1 min left');
    expect(describeRemaining(95_000)).toBe('About 1 min 40 s left');
    expect(describeRemaining(118_000)).toBe('About 2 min left');
    expect(describeRemaining(25 * 60_000)).toBe('About 25 min left');
  });
});
