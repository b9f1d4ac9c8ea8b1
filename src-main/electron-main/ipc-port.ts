import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import type { PushEvents } from '../common/contract';
import { APP_ORIGIN, IPC_CHANNEL } from '../common/ipc-channel';
import { Emitter } from '../common/emitter';
import { serveApp, type AppServer, type Handlers } from '../common/app-rpc';
import type { AppLog } from '../node/logs/app-log';

interface Session {
  server: AppServer;
  deliver(message: unknown): void;
  end(): void;
}

/**
 * Serves the contract to trusted windows over Electron IPC: one RPC session per page load of a registered
 * `webContents`, on one channel. A message is accepted only from the main frame of a registered window showing our
 * own app origin — never from a subframe, a page navigated elsewhere, or an unknown sender.
 */
export class IpcPort {
  readonly #sessions = new Map<number, Session>();
  readonly #handlers: Handlers;
  readonly #log: AppLog | undefined;

  /** `log`: where a handler's bug (a failure that is not a contract error) is written. */
  constructor(handlers: Handlers, log?: AppLog) {
    this.#handlers = handlers;
    this.#log = log;
    ipcMain.on(IPC_CHANNEL, this.#receive);
  }

  /** Serve a window's pages until its webContents is destroyed. */
  attach(contents: WebContents): void {
    const id = contents.id;
    this.#sessions.set(id, this.#openSession(contents));
    // A reload is a new page: end the old session (aborting its streams) and start a fresh one.
    contents.on('did-start-navigation', (details) => {
      if (!details.isMainFrame || details.isSameDocument) return;
      this.#sessions.get(id)?.end();
      this.#sessions.set(id, this.#openSession(contents));
    });
    contents.once('destroyed', () => {
      this.#sessions.get(id)?.end();
      this.#sessions.delete(id);
    });
  }

  /** Push an event to every attached window. */
  push(event: PushEvents): void {
    for (const session of this.#sessions.values()) session.server.push(event);
  }

  dispose(): void {
    ipcMain.off(IPC_CHANNEL, this.#receive);
    for (const session of this.#sessions.values()) session.end();
    this.#sessions.clear();
  }

  #openSession(contents: WebContents): Session {
    const messages = new Emitter<unknown>();
    const closes = new Emitter<void>();
    const server = serveApp(
      {
        send: (message) => {
          if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
        },
        onMessage: (listener) => messages.on(listener),
        onClose: (listener) => closes.on(listener),
      },
      this.#handlers,
      { onInternalError: (method, error) => this.#log?.write('error', `${method} failed`, error) },
    );
    return {
      server,
      deliver: (message) => messages.emit(message),
      end: () => closes.emit(),
    };
  }

  readonly #receive = (event: IpcMainEvent, message: unknown): void => {
    const session = this.#sessions.get(event.sender.id);
    const frame = event.senderFrame;
    if (!session || !frame || frame !== event.sender.mainFrame) return;
    let origin: string;
    try {
      origin = new URL(frame.url).origin;
    } catch {
      return;
    }
    // Custom standard schemes report their origin as "null" in some versions; compare the prefix too.
    if (origin !== APP_ORIGIN && !frame.url.startsWith(`${APP_ORIGIN}/`)) return;
    session.deliver(message);
  };
}
