import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { RpcError } from '../../common/contract';
import type { LocalModelFile, ModelCatalogItem, ModelDownload, ModelsState } from '../../common/types';
import { chooseChatFormat } from '../engine/chat-format-choice';
import { inspectModelFile, type ModelFileInfo } from '../engine/model-file';
import { EngineError, type ChatEngine, type LoadOptions } from '../engine/port';
import {
  ModelDownloadError,
  ModelDownloader,
  PHI2_CATALOG,
  availableMemoryBytes,
  checkModelMemory,
  modelShape,
  type DownloadStatus,
  type ModelCatalogEntry,
  type ModelDownloaderOptions,
} from '../models';
import type { SettingsStore } from '../store/settings-store';
import { toRpcError } from './rpc-errors';

/** The folder inside the data folder where downloads are saved. */
export const MODELS_FOLDER = 'models';

/** `general.architecture` values the app runs by default: its prompt format is Phi-2's. */
export const DEFAULT_MODEL_ARCHITECTURES: readonly string[] = ['phi2'];

/** Where the chosen model is remembered (the app settings' `modelPath`). */
export interface ModelPathSetting {
  get(): string | null;
  set(path: string | null): void;
}

/** The `modelPath` app setting as a {@link ModelPathSetting} (written through the settings store, not `settings.update`). */
export function modelPathSetting(settings: Pick<SettingsStore, 'getAppSetting' | 'setAppSetting'>): ModelPathSetting {
  return { get: () => settings.getAppSetting('modelPath'), set: (value) => settings.setAppSetting('modelPath', value) };
}

/** What the model manager takes from its host; every field is optional and has the product's value by default. */
export interface ModelHostOptions {
  /** The native open dialog (desktop app only): resolves with the chosen path, or `null` if cancelled. */
  chooseFile?: () => Promise<string | null>;
  /**
   * Downloader overrides, for tests against a loopback server (`hubBaseUrl`, `allowLoopbackHttp`, `fetch`, …).
   * The product passes none: HTTPS to huggingface.co with TLS verification on.
   */
  download?: Omit<ModelDownloaderOptions, 'modelsDir'>;
  /** The files offered for download. Default: `PHI2_CATALOG`. */
  catalog?: readonly ModelCatalogEntry[];
  /** Architectures accepted. Default: {@link DEFAULT_MODEL_ARCHITECTURES}. */
  architectures?: readonly string[];
  /** Memory free for a new model, in bytes, read at each check. Default: `availableMemoryBytes`. */
  availableMemory?: () => number;
}

export interface ModelServiceOptions extends ModelHostOptions {
  /** The app's data folder: downloads go to `<dataDir>/models`. */
  dataDir: string;
  engine: ChatEngine;
  setting: ModelPathSetting;
  /** Told whenever the state changes (downloads, chosen model, errors). */
  onChanged?: (state: ModelsState) => void;
  /** Told about byte progress of a running download. */
  onDownloadProgress?: (download: ModelDownload) => void;
}

/** Why a file was refused before loading, as `details.reason` of the `BAD_REQUEST`. */
export type ModelRejection = 'NOT_FOUND' | 'INVALID' | 'ARCHITECTURE' | 'MEMORY';

/**
 * The model manager: which model the app runs, and getting one. `useFile` checks a file before the engine sees it
 * (GGUF header, architecture, memory) and remembers it; `loadSaved` loads the remembered one at start; downloads of
 * the Phi-2 catalog go to `<dataDir>/models` and, on first run, are loaded when they finish.
 *
 * The downloader is the app's only network access, and it connects only when the user starts or resumes a download.
 */
export class ModelService {
  readonly modelsDir: string;
  readonly #options: ModelServiceOptions;
  readonly #engine: ChatEngine;
  readonly #catalog: readonly ModelCatalogEntry[];
  readonly #downloader: ModelDownloader;
  readonly #unsubscribe: Array<() => void> = [];
  /** Downloads the user started in this session: loaded when done if no model is ready by then. */
  readonly #autoUse = new Set<string>();
  #loading: Promise<void> | null = null;
  #lastError: string | null = null;
  #localModels: LocalModelFile[] = [];
  #disposed = false;
  /** Resolves once unfinished downloads of an earlier run are listed and the models folder was read. */
  readonly ready: Promise<void>;

  constructor(options: ModelServiceOptions) {
    this.#options = options;
    this.#engine = options.engine;
    this.#catalog = options.catalog ?? PHI2_CATALOG;
    this.modelsDir = path.join(path.resolve(options.dataDir), MODELS_FOLDER);
    this.#downloader = new ModelDownloader({ ...options.download, modelsDir: this.modelsDir });
    this.#unsubscribe.push(
      this.#downloader.onStatus((status) => void this.#onDownloadStatus(status)),
      this.#downloader.onProgress((status) => options.onDownloadProgress?.(toContract(status))),
    );
    this.ready = this.#downloader
      .restore()
      .then(() => this.#refreshLocalModels())
      .catch(() => undefined) // a models folder that cannot be read just lists nothing
      .then(() => this.#changed());
  }

  /** The state the model manager shows. */
  state(): ModelsState {
    return {
      catalog: this.#catalog.map(toCatalogItem),
      downloads: this.#downloader.list().map(toContract),
      localModels: this.#localModels,
      currentModelPath: this.#options.setting.get(),
      modelsDir: this.modelsDir,
      fileDialog: this.#options.chooseFile !== undefined,
      lastError: this.#lastError,
    };
  }

  /**
   * Checks `modelPath` (GGUF header, architecture, memory), loads it, and remembers it for the next start.
   * @throws RpcError `BAD_REQUEST` (with `details.reason`) for a file refused before loading, `ENGINE_FAILED` when
   * llama.cpp cannot load it, `BUSY` while another load runs. The previous model stays loaded on every failure.
   */
  async useFile(modelPath: string, options: Pick<LoadOptions, 'onProgress' | 'signal'> = {}): Promise<ModelsState> {
    if (this.#loading) throw new RpcError('BUSY', 'Another model is loading; wait for it to finish.');
    const file = path.resolve(modelPath);
    const run = this.checkFile(file).then(async () => {
      const status = this.#engine.status();
      if (!(status.state === 'ready' && status.modelPath === file)) await this.#engine.load(file, options);
    });
    this.#loading = run;
    try {
      await run;
      this.#lastError = null;
      this.#options.setting.set(file);
    } catch (error) {
      const failure = error instanceof RpcError ? error : toRpcError(error);
      this.#lastError = failure instanceof Error ? failure.message : String(failure);
      throw failure;
    } finally {
      this.#loading = null;
      this.#changed();
    }
    return this.state();
  }

  /**
   * Loads the remembered model, if there is one; never throws. A failure (the file was moved, is damaged, no longer
   * fits in memory) is kept in `lastError` for the window to show, and the setting is kept (a removable drive may
   * come back).
   */
  async loadSaved(options: Pick<LoadOptions, 'onProgress'> = {}): Promise<void> {
    const saved = this.#options.setting.get();
    if (saved === null) return;
    try {
      await this.useFile(saved, options);
    } catch (error) {
      this.#lastError = `The model chosen last time could not be loaded: ${(error as Error).message}`;
      this.#changed();
    }
  }

  /** The native file dialog's choice. @throws RpcError `BAD_REQUEST` where the host has no dialog. */
  async chooseFile(): Promise<{ path: string | null }> {
    if (!this.#options.chooseFile) {
      throw new RpcError('BAD_REQUEST', 'There is no file dialog here: type the full path of the model file.', {
        reason: 'NO_FILE_DIALOG',
      });
    }
    return { path: await this.#options.chooseFile() };
  }

  /** Starts (or continues) downloading a catalog file. @throws RpcError `NOT_FOUND` for a file not in the catalog. */
  async download(file: string): Promise<ModelDownload> {
    const entry = this.#catalog.find((item) => item.file === file);
    if (!entry) throw new RpcError('NOT_FOUND', `${file} is not one of the models on offer.`);
    this.#autoUse.add(file);
    return toContract(await this.#downloads(() => this.#downloader.start(entry), 'BAD_REQUEST'));
  }

  async pauseDownload(id: string): Promise<ModelDownload> {
    return toContract(await this.#downloads(() => this.#downloader.pause(id)));
  }

  async resumeDownload(id: string): Promise<ModelDownload> {
    this.#autoUse.add(id);
    return toContract(await this.#downloads(() => this.#downloader.resume(id)));
  }

  async cancelDownload(id: string): Promise<ModelDownload> {
    this.#autoUse.delete(id);
    return toContract(await this.#downloads(() => this.#downloader.cancel(id)));
  }

  /** Pauses running downloads (their partial files stay for the next start) and stops reporting. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.#downloader.dispose();
  }

  /**
   * The checks before the engine sees a file (`useFile` runs them first): it is a GGUF file of an architecture the app
   * runs, and fits in the memory free. Reads only its header and metadata.
   * @throws RpcError `BAD_REQUEST` with `details.reason` (see {@link ModelRejection}).
   */
  async checkFile(file: string): Promise<void> {
    let info: ModelFileInfo;
    try {
      info = await inspectModelFile(file);
    } catch (error) {
      if (error instanceof EngineError && error.code === 'MODEL_NOT_FOUND') {
        throw rejection('NOT_FOUND', `There is no file at ${file}.`);
      }
      throw rejection('INVALID', (error as Error).message);
    }
    const architectures = this.#options.architectures ?? DEFAULT_MODEL_ARCHITECTURES;
    // Phi-2 (a base model without a chat template) gets its own format; any other model needs the chat template in
    // its metadata, which the engine then uses.
    if (!architectures.includes(info.architecture) && chooseChatFormat(info) === null) {
      throw rejection(
        'ARCHITECTURE',
        `${path.basename(file)} is a '${info.architecture}' model without a chat template; Phi Desk runs ` +
          `${architectures.join(' or ')} models (Phi-2), or other models whose file carries a chat template.`,
      );
    }
    const current = this.#engine.status();
    if (current.state === 'ready' && current.modelPath === file) return; // already loaded: its memory is in use
    let shape;
    try {
      shape = modelShape(info);
    } catch (error) {
      throw rejection('INVALID', `${file} is not a usable model: ${(error as Error).message}`);
    }
    const check = checkModelMemory(shape, {
      availableBytes: (this.#options.availableMemory ?? availableMemoryBytes)(),
      modelName: path.basename(file),
    });
    if (!check.fits) throw rejection('MEMORY', check.message ?? 'There is not enough free memory for this model.');
  }

  /** Runs a downloader call; its refusals (`INVALID_REQUEST`: no such download, shut down) become `code`. */
  async #downloads(action: () => Promise<DownloadStatus>, code: 'NOT_FOUND' | 'BAD_REQUEST' = 'NOT_FOUND'): Promise<DownloadStatus> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ModelDownloadError) throw new RpcError(code, error.message, { reason: error.code });
      throw error;
    }
  }

  async #onDownloadStatus(status: DownloadStatus): Promise<void> {
    if (status.state === 'done') await this.#refreshLocalModels().catch(() => undefined);
    this.#changed();
    if (status.state !== 'done' || status.path === null || !this.#autoUse.delete(status.id)) return;
    // First run: the model the user asked for is here, so load it. With a model already running, the user chooses.
    if (this.#engine.status().state === 'ready' || this.#loading || this.#disposed) return;
    await this.useFile(status.path).catch(() => undefined); // the failure is in `lastError`
  }

  async #refreshLocalModels(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.modelsDir);
    } catch {
      this.#localModels = [];
      return;
    }
    const found: LocalModelFile[] = [];
    for (const name of names.filter((n) => n.toLowerCase().endsWith('.gguf')).sort()) {
      const file = path.join(this.modelsDir, name);
      const info = await stat(file).catch(() => null);
      if (info?.isFile()) found.push({ file: name, path: file, sizeBytes: info.size });
    }
    this.#localModels = found;
  }

  #changed(): void {
    if (!this.#disposed) this.#options.onChanged?.(this.state());
  }
}

function rejection(reason: ModelRejection, message: string): RpcError {
  return new RpcError('BAD_REQUEST', message, { reason });
}

function toCatalogItem(entry: ModelCatalogEntry): ModelCatalogItem {
  return {
    file: entry.file,
    quantization: entry.quantization,
    sizeBytes: entry.sizeBytes,
    sizeLabel: entry.sizeLabel,
    note: entry.note,
    recommended: entry.recommended,
  };
}

/** The downloader's status is already plain data of the contract's shape; this pins that at compile time. */
function toContract(status: DownloadStatus): ModelDownload {
  return status;
}
