import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { PushEvents } from '../../common/contract';
import { Emitter } from '../../common/emitter';
import type { Handlers } from '../../common/app-rpc';
import type { AppInfo, StartupState } from '../../common/types';
import { EngineLanes } from '../engine/engine-lanes';
import type { ChatEngine } from '../engine/port';
import type { RemoteTimeouts } from '../engine/remote/remote-http';
import { RemoteServers } from '../engine/remote/remote-servers';
import { logFileFor, type LogLevel } from '../logs/app-log';
import { saveApiExchange } from '../openai/api-history';
import { LocalApiService } from '../openai/local-api-service';
import { FileSecretStore, SECRETS_FILE, type SecretStore } from '../secrets/secret-store';
import { ChatService } from '../services/chat-service';
import { ConversationService } from '../services/conversation-service';
import { DraftService } from '../services/draft-service';
import { HistoryService, type HistoryHostOptions } from '../services/history-service';
import { ModelService, type ModelHostOptions, type ModelPathSetting } from '../services/model-service';
import { backupFailedNotice, DATABASE_DAMAGED_NOTICE, NoticeBoard, noticesFromOpenReport } from '../services/notice-board';
import { SettingsService } from '../services/settings-service';
import { WindowService } from '../services/window-service';
import { openStore, type OpenStoreOptions, type Store } from '../store/open-store';
import type { ReplyWriterOptions } from '../store/reply-writer';
import { storeFailureMessage } from '../services/rpc-errors';
import { StoreError } from '../store/store-error';
import { appHandlers } from './app-handlers';
import { DamageMarker } from './damage-marker';
import { BACKUP_CHECK_INTERVAL_MS, scheduleBackups, type BackupSchedule } from './backup-schedule';
import { acquireInstanceLock, type InstanceLock } from './instance-lock';
import { DISPOSE_GRACE_MS, endWithin } from './shutdown';
import { READY_STARTUP } from './startup/startup-tracker';
import { NO_WINDOWS, type WindowHost } from './window-host';

/** A store failure as the user should read it (a sentence first, the store's own message after); others as they are. */
export function userFacingStoreError(error: unknown): unknown {
  return error instanceof StoreError ? new StoreError(error.code, storeFailureMessage(error), { cause: error }) : error;
}

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
  /**
   * The app's log, for what goes wrong unseen (a backup copied on the host's thread because its worker could not
   * start); Node's process warnings by default.
   */
  onLog?: (level: LogLevel, message: string) => void;
  /** The model manager's host parts (file dialog, download overrides for tests). */
  models?: ModelHostOptions;
  /** The history export/import's host parts (the native save/open dialog). */
  history?: HistoryHostOptions;
  /** Store options for tests (clock, busy timeout, integrity check); the product uses the defaults. */
  store?: Pick<OpenStoreOptions, 'now' | 'busyTimeoutMs' | 'check' | 'checkBudgetMs'>;
  /** How streamed replies are batched into commits; the store's defaults otherwise. */
  replyWriter?: ReplyWriterOptions;
  /** How often to check whether the daily backup is due; hourly by default. */
  backupCheckIntervalMs?: number;
  /** How long `dispose` lets pending work end by itself; {@link DISPOSE_GRACE_MS} by default. */
  disposeGraceMs?: number;
  /**
   * The host's windows, for `windows.*` and `quick.*` (the browser host's pages; the desktop app attaches its shell
   * with {@link ComposedApp.attachWindows} once it has started). None by default.
   */
  windows?: WindowHost;
  /** How long a deleted conversation can be restored; the contract's `DELETE_UNDO_WINDOW_MS` by default. */
  deleteUndoWindowMs?: number;
  /**
   * Where API keys are kept (remote servers', the local API's): by default a file in the data folder only the user
   * can read; the desktop app passes one whose values the system encrypts (Electron's `safeStorage`).
   */
  secrets?: SecretStore;
  /** The local API and remote engines' knobs for tests (issue 15); the product uses the settings and defaults. */
  openai?: {
    /** Listen on this port instead of the setting's (0: any free port; the status says which). */
    localApiPort?: number;
    /** Timeouts of remote replies. */
    remoteTimeouts?: RemoteTimeouts;
    /** How long "Test connection" waits. */
    probeTimeoutMs?: number;
  };
  /**
   * The instance lock and the store, taken and opened already (by `startApp`, which opened the store while the app
   * was answering): used as they are instead of being taken and opened here. The damage marker is the opener's job
   * then.
   */
  opened?: { lock: InstanceLock; store: Store };
  /**
   * The model manager, made already (by `startApp`, so the model loaded while the store opened): used instead of a
   * new one, with the store's `modelPath` setting attached to it here.
   */
  earlyModels?: { service: ModelService; attach(setting: ModelPathSetting): void };
  /** Where the start stands, for `app.getStartup`; ready (nothing running) by default. */
  startup?: () => StartupState;
}

/** The store's warnings, to the app's log when there is one. */
export function storeLog(options: Pick<ComposeOptions, 'onLog'>): Pick<OpenStoreOptions, 'onWarning'> {
  const { onLog } = options;
  return onLog ? { onWarning: (message) => onLog('warn', message) } : {};
}

/** The facts `app.getInfo` answers with. */
export function appInfoFor(options: Pick<ComposeOptions, 'version' | 'host'>, dataDir: string): AppInfo {
  return { name: 'Phi Desk', version: options.version, host: options.host, dataDir, logFile: logFileFor(dataDir), processors: availableParallelism() };
}

/** The model manager on `options.engine`, its changes and downloads pushed to the windows. */
export function createModelService(
  options: Pick<ComposeOptions, 'models' | 'engine'>,
  dataDir: string,
  setting: ModelPathSetting,
  push: (event: PushEvents) => void,
): ModelService {
  return new ModelService({
    ...options.models,
    dataDir,
    engine: options.engine,
    setting,
    onChanged: (state) => push({ type: 'onModelsChanged', state }),
    onDownloadProgress: (download) => push({ type: 'onDownloadProgress', download }),
  });
}

/** Everything the app runs on, wired once; transports get `handlers` and subscribe to `onPush`. */
export interface ComposedApp {
  readonly handlers: Handlers;
  readonly engine: ChatEngine;
  readonly store: Store;
  readonly models: ModelService;
  readonly notices: NoticeBoard;
  /** The daily-backup check run at start and hourly. */
  readonly backups: BackupSchedule;
  /** App settings (the desktop shell gates changes it must apply first, such as the global shortcut). */
  readonly settings: SettingsService;
  /** The OpenAI-compatible local API (started when its setting is on). */
  readonly localApi: LocalApiService;
  /** The remote servers the user added, and which engine answers a conversation. */
  readonly remotes: RemoteServers;
  /** The local engine as the windows and the local API share it (the windows first). */
  readonly lanes: EngineLanes;
  /** Subscribe to events for every connected renderer; returns an unsubscribe function. */
  onPush(listener: (event: PushEvents) => void): () => void;
  /** Send an event to every connected renderer (the desktop shell's status, menu commands). */
  push(event: PushEvents): void;
  /** Serve `windows.*` and `quick.*` from this host from now on. */
  attachWindows(host: WindowHost): void;
  /**
   * Stop the backup timer and downloads, dispose the engine and close the database. Safe to call twice. Bounded:
   * after `disposeGraceMs` whatever is still pending is cut short (the engine process killed) and the database is
   * closed anyway, so it settles within about `disposeGraceMs` + 0.5 s.
   */
  dispose(): Promise<void>;
}

/**
 * The composition root: claims the data folder (one running copy per folder, see `acquireInstanceLock`), opens the
 * store (migrations, the check for damage — a damaged file is kept read-only for the session — and recovery from a
 * backup with salvage when the last session found damage, crashed replies marked interrupted — each reported to the
 * user as a notice), wires the services, maps every contract method to them, and starts the daily-backup check.
 * Knows nothing of Electron or HTTP.
 * @throws StoreError when the database cannot be opened, with a message for the user: `DB_LOCKED` (another running
 * copy uses the folder, or another program holds the database), `DB_UNWRITABLE`, `DB_TOO_NEW`, …; nothing is left
 * open then.
 */
export function composeApp(options: ComposeOptions): ComposedApp {
  const dataDir = path.resolve(options.dataDir);
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const lock = options.opened?.lock ?? acquireInstanceLock(dataDir, binding);
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  const damage = new DamageMarker(databaseFile);
  let store: Store;
  if (options.opened) {
    store = options.opened.store;
  } else {
    // Damage found while the app last ran is recovered from at this start: the newest backup, and what can be read.
    const knownDamage = damage.reason;
    try {
      store = openStore(databaseFile, {
        ...options.store,
        ...binding,
        ...storeLog(options),
        ...(knownDamage === null ? {} : { knownDamage }),
        markInterrupted: true,
      });
      if (knownDamage !== null) damage.clear();
    } catch (error) {
      lock.release();
      throw userFacingStoreError(error);
    }
  }
  const { engine } = options;
  const pushes = new Emitter<PushEvents>();
  const push = (event: PushEvents): void => pushes.emit(event);
  const conversationsChanged = (): void => push({ type: 'onConversationsChanged' });

  const notices = new NoticeBoard((notice) => push({ type: 'onNotice', notice }));
  for (const notice of noticesFromOpenReport(store.report)) notices.add(notice);
  // Damage known now (found by the check at start) or later (the rest of the check, a failing read): the store is
  // read-only from then on; the window says so, and the next start recovers.
  const offDamage = store.health.onDamage((reason) => {
    damage.record(reason);
    notices.add(DATABASE_DAMAGED_NOTICE);
  });
  let models: ModelService | undefined;
  let offStatus: (() => void) | undefined;
  try {
    // One local engine for the windows and the local API, the windows first (issue 15).
    const lanes = new EngineLanes(engine);
    const secrets = options.secrets ?? new FileSecretStore(path.join(dataDir, SECRETS_FILE));
    const remotes = new RemoteServers({
      local: lanes.lane('window'),
      settings: () => store.settings.getAppSettings(),
      saveSettings: (patch) => {
        const saved = store.settings.updateAppSettings(patch);
        push({ type: 'onSettingsChanged', settings: saved });
        return saved;
      },
      secrets,
      ...(options.openai?.remoteTimeouts ? { timeouts: options.openai.remoteTimeouts } : {}),
      ...(options.openai?.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.openai.probeTimeoutMs }),
    });
    const chat = new ChatService(store, lanes.lane('window'), {
      ...(options.replyWriter ? { writer: options.replyWriter } : {}),
      onConversationsChanged: conversationsChanged,
      engineFor: (engineId) => remotes.engineFor(engineId),
      localWorkElsewhere: () => lanes.writing('api'),
    });
    const localApi = new LocalApiService({
      engine: lanes.lane('api'),
      settings: () => store.settings.getAppSettings(),
      secrets,
      saveExchange: (exchange) => {
        saveApiExchange(store.conversations, exchange);
        conversationsChanged();
      },
      onStatus: (status) => push({ type: 'onApiStatus', status }),
      ...(options.openai?.localApiPort === undefined ? {} : { portOverride: options.openai.localApiPort }),
      ...(options.store?.now ? { now: options.store.now } : {}),
    });
    const conversations = new ConversationService(store, {
      engines: {
        defaultEngine: () => store.settings.getAppSetting('defaultEngine'),
        requireKnown: (engineId) => remotes.requireKnown(engineId),
      },
      onConversationsChanged: conversationsChanged,
      isBusy: (id) => chat.isBusy(id),
      ...(options.store?.now ? { now: options.store.now } : {}),
      ...(options.deleteUndoWindowMs === undefined ? {} : { undoWindowMs: options.deleteUndoWindowMs }),
      // A purge that fails is tried again later (a damaged database makes the store read-only and says so itself).
    });
    conversations.purgeLeftoverDeletions();
    // The local model's threads: the setting at start, then each time it changes (not at every other setting's change:
    // that would restart the adaptive policy's learning).
    let appliedThreads = store.settings.getAppSetting('engineThreads');
    engine.setThreads?.(appliedThreads);
    const settings = new SettingsService(store.settings, {
      onSettingsChanged: (changed) => {
        push({ type: 'onSettingsChanged', settings: changed });
        void localApi.apply(); // turned on or off, or moved to another port
        if (changed.engineThreads !== appliedThreads) {
          appliedThreads = changed.engineThreads;
          engine.setThreads?.(appliedThreads);
        }
      },
    });
    const modelPath: ModelPathSetting = {
      get: () => store.settings.getAppSetting('modelPath'),
      // A damaged (read-only) database cannot remember the choice for the next start; the model loads all the same.
      set: (value) => {
        if (store.health.damage === null) store.settings.setAppSetting('modelPath', value);
      },
    };
    if (options.earlyModels) {
      models = options.earlyModels.service;
      options.earlyModels.attach(modelPath);
    } else {
      models = createModelService(options, dataDir, modelPath, push);
    }
    offStatus = engine.onStatus((status) => push({ type: 'onEngineStatus', status }));
    const info = appInfoFor(options, dataDir);
    let windowHost = options.windows ?? NO_WINDOWS;
    const windows = new WindowService(() => windowHost, store.conversations, () => settings.get());
    const history = new HistoryService(store, {
      ...options.history,
      appVersion: options.version,
      ...(options.store?.now ? { now: options.store.now } : {}),
      onConversationsChanged: conversationsChanged,
    });
    const drafts = new DraftService(store.drafts);
    const startup = options.startup ?? (() => READY_STARTUP);
    const handlers = appHandlers({
      info,
      startup,
      engine,
      notices,
      settings,
      conversations,
      chat,
      models,
      history,
      drafts,
      windows,
      localApi,
      remotes,
    });
    void localApi.apply(); // on when the user left it on
    const backups = scheduleBackups(
      () => store.backupIfDue(),
      (error) => notices.add(backupFailedNotice(error)),
      options.backupCheckIntervalMs ?? BACKUP_CHECK_INTERVAL_MS,
    );

    const ownedModels = models;
    const unsubscribeStatus = offStatus;
    let disposed: Promise<void> | undefined;
    return {
      handlers,
      engine,
      store,
      models: ownedModels,
      notices,
      backups,
      settings,
      localApi,
      remotes,
      lanes,
      onPush: (listener) => pushes.on(listener),
      push,
      attachWindows(host) {
        windowHost = host;
      },
      dispose() {
        disposed ??= (async () => {
          unsubscribeStatus();
          offDamage();
          pushes.clear();
          try {
            // Whatever is still pending after the grace period (a load stuck in native code, a slow backup) is cut
            // short: the engine process is killed, and the database closed below all the same. A reply cut here is
            // marked interrupted at the next start, as after a crash.
            await endWithin(
              async (hurry) => {
                // Other programs' requests end first (their replies are aborted with the connections).
                await localApi.dispose();
                conversations.dispose();
                // Replies being written end `stopped` with their text, as with Stop, rather than `interrupted`.
                await chat.stopAll();
                await backups.stop();
                await ownedModels.dispose();
                await engine.dispose({ signal: hurry });
              },
              engine,
              options.disposeGraceMs ?? DISPOSE_GRACE_MS,
            );
          } finally {
            store.close();
            lock.release();
          }
        })();
        return disposed;
      },
    };
  } catch (error) {
    offStatus?.();
    offDamage();
    void models?.dispose();
    store.close();
    lock.release();
    throw error;
  }
}
