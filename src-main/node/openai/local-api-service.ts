import { randomBytes } from 'node:crypto';
import type { AppSettings, LocalApiStatus } from '../../common/types';
import type { ChatEngine } from '../engine/port';
import type { SecretStore } from '../secrets/secret-store';
import type { ServedExchange } from './chat-completions';
import { startLocalApiServer, type LocalApiServer } from './local-api-server';

/** The name the local API's bearer key is stored under (`SecretStore`). */
export const LOCAL_API_KEY_SECRET = 'local-api-key';

export interface LocalApiServiceOptions {
  /** The local engine's API lane. */
  engine: ChatEngine;
  /** The app settings in force (the API's switch and port, the default sampling settings, saving to history). */
  settings: () => AppSettings;
  secrets: SecretStore;
  /** Keeps an exchange in the history (the setting `localApiSaveHistory` decides whether it is called). */
  saveExchange: (exchange: ServedExchange) => void;
  /** Told of every change of the status, for `onApiStatus`. */
  onStatus?: (status: LocalApiStatus) => void;
  /** Listen on this port instead of the setting's (tests: 0 picks a free one). */
  portOverride?: number;
  /** The clock (epoch ms), for the last error's time. */
  now?: () => number;
}

/**
 * The local API's life: started when the setting turns it on (a bearer key generated the first time), moved when the
 * port changes, stopped when it is turned off or the app quits. A port in use leaves it `failed` with the reason in
 * words, and the rest of the app running. Counts the completions served and remembers the last failure for the
 * status line in Settings.
 */
export class LocalApiService {
  readonly #options: LocalApiServiceOptions;
  #server: LocalApiServer | null = null;
  #state: LocalApiStatus['state'] = 'off';
  #requestsServed = 0;
  #lastError: LocalApiStatus['lastError'] = null;
  /** Changes are applied one after another: a second one waits for the server the first one is starting. */
  #applying: Promise<void> = Promise.resolve();
  #disposed = false;

  constructor(options: LocalApiServiceOptions) {
    this.#options = options;
  }

  status(): LocalApiStatus {
    return {
      state: this.#state,
      url: this.#server?.url ?? null,
      key: this.#options.secrets.get(LOCAL_API_KEY_SECRET),
      requestsServed: this.#requestsServed,
      lastError: this.#lastError,
    };
  }

  /** Bring the server in line with the settings (start, move to another port, stop). Resolves once applied. */
  apply(): Promise<void> {
    this.#applying = this.#applying.then(() => this.#applyNow()).catch(() => undefined);
    return this.#applying;
  }

  /** A new random key; the old one is refused from the next request on. */
  regenerateKey(): LocalApiStatus {
    this.#options.secrets.set(LOCAL_API_KEY_SECRET, newKey());
    this.#changed();
    return this.status();
  }

  /** Stop the server for good (the app is quitting). */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.apply();
  }

  async #applyNow(): Promise<void> {
    const settings = this.#options.settings();
    const enabled = settings.localApiEnabled && !this.#disposed;
    const port = this.#options.portOverride ?? settings.localApiPort;
    const server = this.#server;
    if (enabled && server && (this.#options.portOverride !== undefined || server.port === port)) return;
    if (!enabled && this.#state === 'off') return;
    if (server) {
      this.#server = null;
      await server.close();
    }
    if (!enabled) {
      this.#state = 'off';
      this.#changed();
      return;
    }
    this.#state = 'starting';
    this.#changed();
    try {
      if (this.#options.secrets.get(LOCAL_API_KEY_SECRET) === null) this.#options.secrets.set(LOCAL_API_KEY_SECRET, newKey());
      this.#server = await startLocalApiServer({
        engine: this.#options.engine,
        port,
        key: () => this.#options.secrets.get(LOCAL_API_KEY_SECRET) ?? '',
        defaults: () => this.#options.settings().defaultGeneration,
        onServed: (exchange) => this.#served(exchange),
        onFailed: (status, message) => this.#failed(`${status}: ${message}`),
      });
      this.#state = 'running';
      this.#changed();
    } catch (error) {
      this.#state = 'failed';
      this.#failed(error instanceof Error ? error.message : String(error));
    }
  }

  #served(exchange: ServedExchange): void {
    this.#requestsServed += 1;
    if (this.#options.settings().localApiSaveHistory) {
      try {
        this.#options.saveExchange(exchange);
      } catch (error) {
        // The client has its answer; the user learns here why it is not in the history.
        this.#failed(`The exchange could not be saved in the history: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
    this.#changed();
  }

  #failed(message: string): void {
    this.#lastError = { message, at: (this.#options.now ?? Date.now)() };
    this.#changed();
  }

  #changed(): void {
    this.#options.onStatus?.(this.status());
  }
}

/** A bearer key: 32 random bytes, with a prefix that says what it is when it turns up in a config file. */
function newKey(): string {
  return `phd-${randomBytes(32).toString('base64url')}`;
}
