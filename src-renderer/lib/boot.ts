import { mount, type Component } from 'svelte';
import { connectApp } from '../../src-main/common/app-rpc';
import { ChatState, type ChatStateOptions } from './chat.svelte';
import { ConnectionState } from './connection.svelte';
import { ModelsStore } from './models.svelte';
import { StartupStatus } from './startup.svelte';
import { connectTransport } from './transport';

export type RootProps = { chat: ChatState; connection: ConnectionState; models: ModelsStore; startup: StartupStatus };

/**
 * Start a window: connect (Electron bridge or WebSocket), create its state, mount `root` into `#app`, and fetch
 * the first state from the app. The window paints at once: while the app still opens the conversations it shows
 * the start-up panel (`startup`), and the calls that need them are answered once they are open.
 */
export function boot(root: Component<RootProps>, options: ChatStateOptions = {}): void {
  const target = document.getElementById('app');
  if (!target) throw new Error('The page has no #app element.');
  const transport = connectTransport();
  const connection = new ConnectionState(transport);
  const client = connectApp(transport);
  const chat = new ChatState(client, options);
  const models = new ModelsStore(client);
  const startup = new StartupStatus(client);
  target.replaceChildren(); // the name painted before the code loaded (index.html)
  mount(root, { target, props: { chat, connection, models, startup } });
  void startup.start();
  void chat.start();
  void models.start();
}
