import path from 'node:path';
import type { PushEvents } from '../../common/contract';
import type { Handlers } from '../../common/rpc';
import type { AppInfo } from '../../common/types';
import type { ChatEngine } from '../engine/port';
import { ChatService } from '../services/chat-service';
import { ConversationService } from '../services/conversation-service';
import { HistoryService, type HistoryHostOptions } from '../services/history-service';
import { ModelService, type ModelHostOptions } from '../services/model-service';
import { backupFailedNotice, DATABASE_DAMAGED_NOTICE, NoticeBoard, noticesFromOpenReport } from '../services/notice-board';
import { SettingsService } from '../services/settings-service';
import { openStore, type OpenStoreOptions, type Store } from '../store/open-store';
import type { ReplyWriterOptions } from '../store/reply-writer';
import { storeFailureMessage } from '../services/rpc-errors';
import { StoreError } from '../store/store-error';
import { appHandlers } from './app-handlers';
import { DamageMarker } from './damage-marker';
import { BACKUP_CHECK_INTERVAL_MS, scheduleBackups, type BackupSchedule } from './backup-schedule';
import { acquireInstanceLock } from './instance-lock';

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
  /** The model manager's host parts (file dialog, download overrides for tests). */
  models?: ModelHostOptions;
  /** The history export/import's host parts (the native save/open dialog). */
  history?: HistoryHostOptions;
  /** Store options for tests (clock, busy timeout, integrity check); the product uses the defaults. */
  store?: Pick<OpenStoreOptions, 'now' | 'busyTimeoutMs' | 'check'>;
  /** How streamed replies are batched into commits; the store's defaults otherwise. */
  replyWriter?: ReplyWriterOptions;
  /** How often to check whether the daily backup is due; hourly by default. */
  backupCheckIntervalMs?: number;
  /** How long a deleted conversation can be restored; the contract's `DELETE_UNDO_WINDOW_MS` by default. */
  deleteUndoWindowMs?: number;
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
  /** Subscribe to events for every connected renderer; returns an unsubscribe function. */
  onPush(listener: (event: PushEvents) => void): () => void;
  /** Stop the backup timer and downloads, dispose the engine and close the database. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * The composition root: claims the data folder (one running copy per folder, see `acquireInstanceLock`), opens the
 * store (migrations, damage check and recovery from a backup, crashed replies marked interrupted — each reported to
 * the user as a notice), wires the services, maps every contract method to them, and starts the daily-backup check.
 * Knows nothing of Electron or HTTP.
 * @throws StoreError when the database cannot be opened, with a message for the user: `DB_LOCKED` (another running
 * copy uses the folder, or another program holds the database), `DB_UNWRITABLE`, `DB_TOO_NEW`, …; nothing is left
 * open then.
 */
export function composeApp(options: ComposeOptions): ComposedApp {
  const dataDir = path.resolve(options.dataDir);
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const lock = acquireInstanceLock(dataDir, binding);
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  // Damage found while the app last ran is checked for, and recovered from, at this start.
  const damage = new DamageMarker(databaseFile);
  const checkNeeded = damage.pending;
  let store: Store;
  try {
    store = openStore(databaseFile, {
      ...options.store,
      ...binding,
      ...(checkNeeded ? { check: 'always' as const } : {}),
      markInterrupted: true,
    });
    if (checkNeeded) damage.clear();
  } catch (error) {
    lock.release();
    throw error instanceof StoreError ? new StoreError(error.code, storeFailureMessage(error), { cause: error }) : error;
  }
  const { engine } = options;
  const listeners = new Set<(event: PushEvents) => void>();
  const push = (event: PushEvents): void => {
    for (const listener of listeners) listener(event);
  };
  const conversationsChanged = (): void => push({ type: 'onConversationsChanged' });

  const notices = new NoticeBoard((notice) => push({ type: 'onNotice', notice }));
  for (const notice of noticesFromOpenReport(store.report)) notices.add(notice);
  const onFailure = (error: unknown): void => {
    if (damage.record(error)) notices.add(DATABASE_DAMAGED_NOTICE);
  };
  let models: ModelService | undefined;
  let offStatus: (() => void) | undefined;
  try {
    const chat = new ChatService(store, engine, {
      ...(options.replyWriter ? { writer: options.replyWriter } : {}),
      onConversationsChanged: conversationsChanged,
    });
    const conversations = new ConversationService(store, {
      onConversationsChanged: conversationsChanged,
      isBusy: (id) => chat.isBusy(id),
      ...(options.store?.now ? { now: options.store.now } : {}),
      ...(options.deleteUndoWindowMs === undefined ? {} : { undoWindowMs: options.deleteUndoWindowMs }),
      onPurgeFailed: (error) => onFailure(error),
    });
    conversations.purgeLeftoverDeletions();
    const settings = new SettingsService(store.settings, {
      onSettingsChanged: (changed) => push({ type: 'onSettingsChanged', settings: changed }),
    });
    models = new ModelService({
      ...options.models,
      dataDir,
      engine,
      setting: {
        get: () => store.settings.getAppSetting('modelPath'),
        set: (modelPath) => store.settings.setAppSetting('modelPath', modelPath),
      },
      onChanged: (state) => push({ type: 'onModelsChanged', state }),
      onDownloadProgress: (download) => push({ type: 'onDownloadProgress', download }),
    });
    offStatus = engine.onStatus((status) => push({ type: 'onEngineStatus', status }));
    const info: AppInfo = { name: 'Phi Desk', version: options.version, host: options.host, dataDir };
    const history = new HistoryService(store, {
      ...options.history,
      appVersion: options.version,
      ...(options.store?.now ? { now: options.store.now } : {}),
      onConversationsChanged: conversationsChanged,
    });
    const handlers = appHandlers({ info, engine, notices, settings, conversations, chat, models, history, onFailure });
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
      onPush(listener) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      dispose() {
        disposed ??= (async () => {
          unsubscribeStatus();
          listeners.clear();
          try {
            conversations.dispose();
            // Replies being written end `stopped` with their text, as with Stop, rather than `interrupted`.
            await chat.stopAll();
            await backups.stop();
            await ownedModels.dispose();
            await engine.dispose();
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
    void models?.dispose();
    store.close();
    lock.release();
    throw error;
  }
}
