import { getContext, hasContext, setContext } from 'svelte';
import { RpcError, type PushEvents } from '../../src-main/common/contract';
import type { AppClient } from '../../src-main/common/app-rpc';
import type { ModelDownload, ModelsState } from '../../src-main/common/types';

/**
 * The model manager's side of the window: the catalog, downloads with live progress, the models on disk and the
 * chosen model, and the last error in words. Only this class talks to the `models.*` methods.
 */
export class ModelsStore {
  /** `null` until the app has answered. */
  state = $state.raw<ModelsState | null>(null);
  /** The last failure of an action here, in words; cleared by the next action. */
  error = $state<string | null>(null);
  /** True while `models.useFile` runs (checking and loading a model). */
  choosing = $state(false);
  /** The user asked to see the model panel while a model is loaded ("Change model"). */
  panelOpen = $state(false);

  readonly #client: AppClient;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** Downloads, newest state first by file. */
  get downloads(): ModelDownload[] {
    return this.state?.downloads ?? [];
  }

  download(file: string): ModelDownload | undefined {
    return this.downloads.find((d) => d.id === file);
  }

  async start(): Promise<void> {
    this.#unsubscribe.push(this.#client.onPush((event) => this.#onPush(event)));
    try {
      this.state = await this.#client.call('models.getState', {});
    } catch (error) {
      this.error = words(error);
    }
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Start (or continue) downloading a catalog file. */
  startDownload(file: string): Promise<void> {
    return this.#act(async () => this.#put(await this.#client.call('models.download', { file })));
  }

  pause(id: string): Promise<void> {
    return this.#act(async () => this.#put(await this.#client.call('models.pauseDownload', { id })));
  }

  resume(id: string): Promise<void> {
    return this.#act(async () => this.#put(await this.#client.call('models.resumeDownload', { id })));
  }

  cancel(id: string): Promise<void> {
    return this.#act(async () => this.#put(await this.#client.call('models.cancelDownload', { id })));
  }

  /** Check and load a model file; resolves `true` once it is the model in use. */
  async useFile(path: string): Promise<boolean> {
    if (this.choosing) return false;
    this.choosing = true;
    try {
      let ok = false;
      await this.#act(async () => {
        this.state = await this.#client.call('models.useFile', { path: path.trim() });
        ok = true;
        this.panelOpen = false;
      });
      return ok;
    } finally {
      this.choosing = false;
    }
  }

  /** The native file dialog (desktop app); loads the chosen file. */
  async chooseFile(): Promise<void> {
    let chosen: string | null = null;
    await this.#act(async () => {
      chosen = (await this.#client.call('models.chooseFile', {})).path;
    });
    if (chosen !== null) await this.useFile(chosen);
  }

  async #act(action: () => Promise<void>): Promise<void> {
    this.error = null;
    try {
      await action();
    } catch (error) {
      this.error = words(error);
    }
  }

  #put(download: ModelDownload): void {
    if (!this.state) return;
    const others = this.state.downloads.filter((d) => d.id !== download.id);
    this.state = { ...this.state, downloads: [...others, download].sort((a, b) => a.id.localeCompare(b.id)) };
  }

  #onPush(event: PushEvents): void {
    if (event.type === 'onModelsChanged') this.state = event.state;
    else if (event.type === 'onDownloadProgress') {
      // Progress only moves forward within a state; a state change comes as `onModelsChanged`.
      const shown = this.download(event.download.id);
      if (!shown || shown.state === 'downloading' || shown.state === 'queued') this.#put(event.download);
    }
  }
}

/** An error from a `models.*` call, in words: the app's own sentence, which names the file and the reason. */
function words(error: unknown): string {
  if (error instanceof RpcError) {
    if (error.code === 'DISCONNECTED') return 'Disconnected from Phi Desk — reload to reconnect.';
    // Refused by the contract's schema: list what is wrong with the value itself ("must be a .gguf file").
    if (error.code === 'BAD_REQUEST' && Array.isArray(error.details)) {
      const issues = error.details.map((issue) => String(issue).replace(/^(path|file|id): /, ''));
      return `That cannot be used: it ${issues.join('; it ')}.`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

const KEY = Symbol('models');

/** Share the window's model manager with its components. */
export function setModels(models: ModelsStore): void {
  setContext(KEY, models);
}

/** The window's model manager, or `null` in a window without one (the quick prompt). */
export function getModels(): ModelsStore | null {
  return hasContext(KEY) ? getContext<ModelsStore>(KEY) : null;
}
