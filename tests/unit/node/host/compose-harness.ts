import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatSendEvents, PushEvents } from '../../../../src-main/common/contract';
import { connectApp, serveApp, type AppClient } from '../../../../src-main/common/app-rpc';
import { createMemoryTransportPair } from '../../../support/memory-transport';
import type { Message } from '../../../../src-main/common/types';
import type { ChatEngine } from '../../../../src-main/node/engine/port';
import { composeApp, type ComposedApp, type ComposeOptions } from '../../../../src-main/node/host/compose';

/**
 * The whole app (real store on a real SQLite file, the given engine) behind the real contract over the in-memory
 * transport pair: what a renderer sees, without a browser.
 */
export interface Harness {
  app: ComposedApp;
  client: AppClient;
  /** Every push event received, in order. */
  pushes: PushEvents[];
  /** Close the connection and dispose the app (idempotent). */
  close(): Promise<void>;
}

/** A fresh temp folder; returns it and a function that deletes it. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phi-compose-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startHarness(
  dataDir: string,
  engine: ChatEngine,
  options: Partial<Omit<ComposeOptions, 'dataDir' | 'engine'>> = {},
): Harness {
  const app = composeApp({ dataDir, engine, host: 'browser', version: '0.0.0-test', ...options });
  const pair = createMemoryTransportPair();
  const server = serveApp(pair.server, app.handlers);
  const offPush = app.onPush((event) => server.push(event));
  const client = connectApp(pair.client);
  const pushes: PushEvents[] = [];
  client.onPush((event) => pushes.push(event));
  let closing: Promise<void> | undefined;
  return {
    app,
    client,
    pushes,
    close() {
      closing ??= (async () => {
        client.close();
        offPush();
        server.close();
        pair.close();
        await app.dispose();
      })();
      return closing;
    },
  };
}

/** A chat call's streamed events and its result. */
export interface ChatRun {
  events: ChatSendEvents[];
  result: Message;
  /** The streamed text, joined. */
  text: string;
}

/**
 * Runs a chat call and collects its events: `run(client.call('chat.send', params, { onEvent }))`-style, e.g.
 * `collectChat((onEvent) => client.call('chat.edit', { messageId, text }, { onEvent }))`.
 */
export async function collectChat(
  call: (onEvent: (event: ChatSendEvents) => void) => Promise<Message>,
): Promise<ChatRun> {
  const events: ChatSendEvents[] = [];
  const result = await call((event) => events.push(event));
  const text = events.map((event) => (event.type === 'onDelta' ? event.text : '')).join('');
  return { events, result, text };
}

/** `chat.send` over the contract, with its events. */
export function send(client: AppClient, conversationId: string, text: string): Promise<ChatRun> {
  return collectChat((onEvent) => client.call('chat.send', { conversationId, text }, { onEvent }));
}

/** `chat.edit` over the contract, with its events. */
export function edit(client: AppClient, messageId: string, text: string): Promise<ChatRun> {
  return collectChat((onEvent) => client.call('chat.edit', { messageId, text }, { onEvent }));
}

/** `chat.regenerate` over the contract, with its events. */
export function regenerate(client: AppClient, messageId: string): Promise<ChatRun> {
  return collectChat((onEvent) => client.call('chat.regenerate', { messageId }, { onEvent }));
}

/** `[role, content]` of each message, for compact assertions. */
export function lines(messages: readonly Message[]): Array<[string, string]> {
  return messages.map((message) => [message.role, message.content]);
}
