import { mount, type Component } from 'svelte';
import { connectApp } from '../../src-main/common/app-rpc';
import { ChatState, type ChatStateOptions } from './chat.svelte';
import { ConnectionState } from './connection.svelte';
import { ModelsStore } from './models.svelte';
import { connectTransport } from './transport';

export type RootProps = { chat: ChatState; connection: ConnectionState; models: ModelsStore };

/**
 * Start a window: connect (Electron bridge or WebSocket), create its state, mount `root` into `#app`, and fetch
 * the first state from the app.
 */
export function boot(root: Component<RootProps>, options: ChatStateOptions = {}): void {
  const target = document.getElementById('app');
  if (!target) throw new Error('The page has no #app element.');
  const transport = connectTransport();
  const connection = new ConnectionState(transport);
  const client = connectApp(transport);
  const chat = new ChatState(client, options);
  const models = new ModelsStore(client);
  mount(root, { target, props: { chat, connection, models } });
  void chat.start();
  void models.start();
}
