import type { AppClient } from '../../src-main/common/app-rpc';
import type { MethodInput } from '../../src-main/common/schemas';
import type { LocalApiStatus, RemoteProbeResult, RemoteServer } from '../../src-main/common/types';

/**
 * The local API's state as this window knows it (issue 15): fetched when Settings opens, replaced when the app pushes
 * a change (`onApiStatus`: started, failed, a request served).
 */
export class LocalApiState {
  /** `null` until the app has answered. */
  status = $state.raw<LocalApiStatus | null>(null);
  readonly #client: AppClient;

  constructor(client: AppClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    this.status = await this.#client.call('api.getStatus', {});
  }

  /** A new key: programs using the old one are refused from now on. */
  async regenerateKey(): Promise<void> {
    this.status = await this.#client.call('api.regenerateKey', {});
  }

  apply(status: LocalApiStatus): void {
    this.status = status;
  }
}

/** The calls behind Settings → Models (the servers themselves arrive with the settings, `remoteServers`). */
export class RemoteServersClient {
  readonly #client: AppClient;

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** "Test connection": the server's models, or why it could not be used. */
  probe(params: MethodInput['remote.probe']): Promise<RemoteProbeResult> {
    return this.#client.call('remote.probe', params);
  }

  save(params: MethodInput['remote.save']): Promise<RemoteServer> {
    return this.#client.call('remote.save', params);
  }

  async remove(id: string): Promise<void> {
    await this.#client.call('remote.remove', { id });
  }
}

/** How a server's model is named in pickers: `llama3.1:8b on Lab GPU`. */
export function engineLabel(server: Pick<RemoteServer, 'model' | 'name'>): string {
  return `${server.model} on ${server.name}`;
}

/** The local model's entry in pickers. */
export const LOCAL_ENGINE_LABEL = 'The model on this computer';
