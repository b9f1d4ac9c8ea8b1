import path from 'node:path';
import { RpcError, type MethodName, type PushEvents } from '../../common/contract';
import type { Handler, Handlers } from '../../common/rpc';
import type { AppInfo } from '../../common/types';
import type { ChatEngine } from '../engine/port';
import { ChatService } from '../services/chat-service';
import { toRpcError } from '../services/rpc-errors';
import { ConversationStore } from '../store/conversation-store';

/** The file name of the conversation database inside the data folder. */
export const DATABASE_FILE = 'phi-desk.sqlite';

export interface ComposeOptions {
  /** Folder for the database (created if missing). */
  dataDir: string;
  /** The engine to use; the caller owns its construction so tests can pass a scripted one. */
  engine: ChatEngine;
  host: AppInfo['host'];
  version: string;
  /** A better-sqlite3 addon built for Electron's ABI (the desktop app); Node's build from node_modules otherwise. */
  nativeBinding?: string;
}

/** Everything the app runs on, wired once; transports get `handlers` and subscribe to `onPush`. */
export interface ComposedApp {
  readonly handlers: Handlers;
  readonly engine: ChatEngine;
  readonly store: ConversationStore;
  /** Subscribe to events for every connected renderer; returns an unsubscribe function. */
  onPush(listener: (event: PushEvents) => void): () => void;
  /** Close the database and dispose the engine. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * The composition root: opens the store (migrations first, crashed replies marked interrupted), wires the services
 * and maps every contract method to them. Knows nothing of Electron or HTTP.
 */
export function composeApp(options: ComposeOptions): ComposedApp {
  const store = ConversationStore.open(
    path.join(options.dataDir, DATABASE_FILE),
    options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
  );
  store.markStreamingAsInterrupted();
  const { engine } = options;
  const listeners = new Set<(event: PushEvents) => void>();
  const push = (event: PushEvents): void => {
    for (const listener of listeners) listener(event);
  };
  const offStatus = engine.onStatus((status) => push({ type: 'onEngineStatus', status }));
  const conversationsChanged = (): void => push({ type: 'onConversationsChanged' });
  const chat = new ChatService(store, engine, { onConversationsChanged: conversationsChanged });

  const requireConversation = (id: string) => {
    const conversation = store.getConversation(id);
    if (!conversation) throw new RpcError('NOT_FOUND', 'That conversation no longer exists.');
    return conversation;
  };

  const handlers: Handlers = withContractErrors({
    'app.getInfo': () => ({ name: 'Phi Desk', version: options.version, host: options.host, dataDir: options.dataDir }),
    'engine.getStatus': () => engine.status(),
    'conversations.list': () => store.listConversations(),
    'conversations.create': ({ title }) => {
      const conversation = store.createConversation(title === undefined ? {} : { title });
      conversationsChanged();
      return conversation;
    },
    'conversations.get': ({ id }) => ({ conversation: requireConversation(id), messages: store.listMessages(id) }),
    'conversations.rename': ({ id, title }) => {
      requireConversation(id);
      const conversation = store.renameConversation(id, title);
      conversationsChanged();
      return conversation;
    },
    'conversations.delete': ({ id }) => {
      requireConversation(id);
      store.deleteConversation(id);
      conversationsChanged();
      return null;
    },
    'chat.send': (params, context) => chat.send(params, context),
  });

  let disposed: Promise<void> | undefined;
  return {
    handlers,
    engine,
    store,
    onPush(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    dispose() {
      disposed ??= (async () => {
        offStatus();
        listeners.clear();
        try {
          await engine.dispose();
        } finally {
          store.close();
        }
      })();
      return disposed;
    },
  };
}

/** Wrap every handler so engine and store failures cross the wire as the contract's typed errors. */
function withContractErrors(handlers: Handlers): Handlers {
  const wrapped: Record<string, Handler<MethodName>> = {};
  for (const [name, handler] of Object.entries(handlers) as [MethodName, Handler<MethodName>][]) {
    wrapped[name] = async (params, context) => {
      try {
        return await handler(params, context);
      } catch (error) {
        throw toRpcError(error);
      }
    };
  }
  return wrapped as Handlers;
}
