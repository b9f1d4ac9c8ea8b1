import { randomUUID } from 'node:crypto';
import { RpcError } from '../../../common/contract';
import type { MethodParams } from '../../../common/schemas';
import type { AppSettings, EngineStatus, RemoteProbeResult, RemoteServer } from '../../../common/types';
import type { SecretStore } from '../../secrets/secret-store';
import { prefillSkipped, EngineError, type ChatEngine } from '../port';
import { PROBE_TIMEOUT_MS, type RemoteTimeouts } from './remote-http';
import { probeRemote } from './remote-models';
import { RemoteEngine } from './remote-engine';

/** Where a server's API key is kept in the `SecretStore`. */
export const remoteKeySecret = (serverId: string): string => `remote-key:${serverId}`;

export interface RemoteServersOptions {
  /** The local model (the windows' lane of the shared engine): conversations with no remote server. */
  local: ChatEngine;
  /** The app settings in force. */
  settings: () => AppSettings;
  /** Writes settings the contract's `settings.update` does not take (the servers), and tells every window. */
  saveSettings: (patch: Pick<Partial<AppSettings>, 'remoteServers' | 'defaultEngine'>) => AppSettings;
  secrets: SecretStore;
  /** Timeouts of remote replies (tests make them small); the defaults otherwise. */
  timeouts?: RemoteTimeouts;
  /** How long "Test connection" waits; {@link PROBE_TIMEOUT_MS} by default. */
  probeTimeoutMs?: number;
}

/**
 * The remote servers the user added (Settings → Models): `remote.probe`, `remote.save`, `remote.remove`, and which
 * engine answers a conversation (`engineFor`). A server's record lives in the settings (`remoteServers`, every window
 * sees it); its API key only in the {@link SecretStore}. The app calls no server but these, and the address being
 * tested in the form.
 */
export class RemoteServers {
  readonly #options: RemoteServersOptions;
  /** One engine per server record: a changed record (address, model, window) gets a new one. */
  readonly #engines = new Map<string, { record: string; engine: RemoteEngine }>();

  constructor(options: RemoteServersOptions) {
    this.#options = options;
  }

  list(): RemoteServer[] {
    return this.#options.settings().remoteServers;
  }

  /**
   * The engine that answers a conversation with this `engine` value: the local model for `null`, the server's
   * engine for a server's id, or an engine in state `error` saying the server was removed (a send then fails with
   * `NO_MODEL` in words; the conversation's settings can pick another).
   */
  engineFor(engineId: string | null): ChatEngine {
    if (engineId === null) return this.#options.local;
    const server = this.list().find((candidate) => candidate.id === engineId);
    if (!server) return removedServerEngine();
    const record = JSON.stringify(server);
    const cached = this.#engines.get(server.id);
    if (cached?.record === record) return cached.engine;
    const engine = new RemoteEngine(server, {
      apiKey: () => this.#options.secrets.get(remoteKeySecret(server.id)),
      ...(this.#options.timeouts ? { timeouts: this.#options.timeouts } : {}),
    });
    this.#engines.set(server.id, { record, engine });
    return engine;
  }

  /** `engine` for a conversation, checked: `null`, or the id of a server that exists. @throws RpcError `BAD_REQUEST` */
  requireKnown(engineId: string | null): string | null {
    if (engineId !== null && !this.list().some((server) => server.id === engineId)) {
      throw new RpcError('BAD_REQUEST', 'That server is not in Settings → Models (it may have been removed).');
    }
    return engineId;
  }

  /** `remote.probe`: the typed key, or the stored one of `serverId` when none is typed. */
  probe(params: MethodParams['remote.probe']): Promise<RemoteProbeResult> {
    const stored = params.serverId === undefined ? null : this.#options.secrets.get(remoteKeySecret(params.serverId));
    const apiKey = params.apiKey !== undefined && params.apiKey !== '' ? params.apiKey : stored;
    return probeRemote({ name: 'The server', baseUrl: params.baseUrl, apiKey }, this.#options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
  }

  /** `remote.save`: add or change a server; its key goes to the secret store (the record only says there is one). */
  save(params: MethodParams['remote.save']): RemoteServer {
    const servers = this.list();
    const existing = params.id === undefined ? undefined : servers.find((server) => server.id === params.id);
    if (params.id !== undefined && !existing) throw new RpcError('NOT_FOUND', 'That server is no longer in the list.');
    const id = existing?.id ?? randomUUID();
    const secret = remoteKeySecret(id);
    // The key first: a record that says "has a key" must never point at a key that failed to save.
    if (params.apiKey === null || params.apiKey === '') this.#options.secrets.delete(secret);
    else if (params.apiKey !== undefined) this.#options.secrets.set(secret, params.apiKey);
    const server: RemoteServer = {
      id,
      name: params.name,
      baseUrl: params.baseUrl,
      model: params.model,
      contextLength: params.contextLength,
      contextReported: params.contextReported,
      hasKey: this.#options.secrets.get(secret) !== null,
    };
    const next = existing ? servers.map((candidate) => (candidate.id === id ? server : candidate)) : [...servers, server];
    this.#options.saveSettings({ remoteServers: next });
    return server;
  }

  /** `remote.remove`: the server and its key; the default goes back to the local model if it was this server. */
  remove({ id }: MethodParams['remote.remove']): null {
    const settings = this.#options.settings();
    if (!settings.remoteServers.some((server) => server.id === id)) throw new RpcError('NOT_FOUND', 'That server is no longer in the list.');
    this.#options.saveSettings({
      remoteServers: settings.remoteServers.filter((server) => server.id !== id),
      ...(settings.defaultEngine === id ? { defaultEngine: null } : {}),
    });
    this.#options.secrets.delete(remoteKeySecret(id));
    this.#engines.delete(id);
    return null;
  }
}

/** The engine of a conversation whose server was removed: it cannot answer, and says why. */
function removedServerEngine(): ChatEngine {
  const status: EngineStatus = {
    state: 'error',
    modelPath: null,
    modelName: null,
    loadProgress: null,
    contextSize: null,
    error: 'The server this conversation used was removed from Settings → Models. Choose another model in the conversation’s settings.',
  };
  const refuse = (): Promise<never> => Promise.reject(new EngineError('NO_MODEL', status.error ?? ''));
  return {
    status: () => ({ ...status }),
    onStatus: () => () => undefined,
    load: refuse,
    generate: refuse,
    prefill: () => Promise.resolve(prefillSkipped()),
    measure: () => Promise.resolve(null),
    dispose: () => Promise.resolve(),
  };
}
