import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { RpcError, type MethodName, type PushEvents } from '../../../common/contract';
import type { Handler, Handlers } from '../../../common/app-rpc';
import { schemas } from '../../../common/schemas';
import type { StartupState } from '../../../common/types';
import type { ChatEngine, LoadOptions } from '../../engine/port';
import type { ModelService } from '../../services/model-service';
import { toRpcError } from '../../services/rpc-errors';
import { MIGRATION_JOURNAL_SUFFIX } from '../../store/migration-journal';
import { LATEST_SCHEMA_VERSION } from '../../store/migrations';
import { openStore, type Store } from '../../store/open-store';
import { SALVAGE_JOURNAL_SUFFIX } from '../../store/salvage-journal';
import { StoreError } from '../../store/store-error';
import {
  appInfoFor,
  composeApp,
  createModelService,
  DATABASE_FILE,
  storeLog,
  userFacingStoreError,
  type ComposedApp,
  type ComposeOptions,
} from '../compose';
import { DamageMarker } from '../damage-marker';
import { acquireInstanceLock } from '../instance-lock';
import { DISPOSE_GRACE_MS, endWithin } from '../shutdown';
import { NO_WINDOWS, type WindowHost } from '../window-host';
import { EarlyModelSetting } from './early-model-setting';
import { nodeStoreProcessLauncher, openInProcess, type StoreOpening, type StoreProcessLauncher } from './store-opener';
import { StartupTracker } from './startup-tracker';
import { RECOVERY_NOTE } from './startup-words';

/** Options of {@link startApp}: those of `composeApp`, and how the store is opened and the model loaded. */
export interface StartAppOptions extends Omit<ComposeOptions, 'opened' | 'earlyModels' | 'startup'> {
  /**
   * Where the store is opened: `process` (a process of its own, so the app answers whatever the work — minutes of an
   * update on a big history), `inline` (here, before `startApp` returns), or `auto` (the default): in a process when
   * there may be long work (a file over a few megabytes, an update pending, a recovery or an interrupted update to
   * finish), inline otherwise — a new or small file opens in milliseconds, and a process would only cost its start.
   * In a process the store uses the real clock whatever `store.now` says.
   */
  storeOpening?: 'auto' | 'process' | 'inline';
  /** Starts the store's process (the desktop app: an Electron utility process); a Node child process by default. */
  launchStoreProcess?: StoreProcessLauncher;
  /**
   * The model to load while the store opens: a file named at launch (checked and remembered, as `models.useFile`),
   * or by default the one chosen last time, as soon as it is known.
   */
  modelPath?: string;
  /** Model load progress, 0..1. */
  onLoadProgress?: LoadOptions['onProgress'];
}

/** The app from its first moment: the contract is served at once, the rest comes as the store opens. */
export interface StartingApp {
  /** Every contract method. Those that need the store wait for it (or fail with `STORE_FAILED` if it cannot open). */
  readonly handlers: Handlers;
  readonly engine: ChatEngine;
  readonly models: ModelService;
  /** Where the start stands (also pushed as `onStartupProgress`). */
  startup(): StartupState;
  /** The app once the store is open, `null` before. */
  readonly composed: ComposedApp | null;
  /** Resolves with the app once the store is open; rejects with a `StoreError` in words when it cannot be. */
  readonly ready: Promise<ComposedApp>;
  /** The model named at launch (`modelPath`): resolves once loaded, rejects with why not. Resolves at once without one. */
  readonly modelLoaded: Promise<void>;
  /** Subscribe to events for every connected page; returns an unsubscribe function. */
  onPush(listener: (event: PushEvents) => void): () => void;
  push(event: PushEvents): void;
  /** Serve `windows.*` and `quick.*` from this host from now on. */
  attachWindows(host: WindowHost): void;
  /** Stop whatever is under way (the store's process is killed: its work is undone and done again next time) and close. */
  dispose(): Promise<void>;
}

/** The methods that answer before the store is open. */
const EARLY_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['app.getInfo', 'app.getStartup', 'engine.getStatus', 'models.getState']);

/** Up to this size a file opens inline (the check alone reads half a gigabyte a second). */
const INLINE_LIMIT_BYTES = 16 * 1024 * 1024;

/** With an update pending or a full check asked for, only this much opens inline. */
const INLINE_WORK_LIMIT_BYTES = 1024 * 1024;

/**
 * Start the app so that the window (or the browser host's page) can show at once, whatever the size of the history:
 * take the instance lock, serve the contract from now on, load the model, and open the store — in a process of its
 * own when that may take long (see {@link StartAppOptions.storeOpening}), telling the pages how far it is
 * (`onStartupProgress`). Then the app is composed as `composeApp` does, and the check for damage goes on in the
 * background, its progress told too.
 * @throws StoreError at once when the lock cannot be taken (`DB_LOCKED`: another copy runs; `DB_UNWRITABLE`), or when
 * a store opened inline fails; later failures reject {@link StartingApp.ready}.
 */
export function startApp(options: StartAppOptions): StartingApp {
  const dataDir = path.resolve(options.dataDir);
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const lock = acquireInstanceLock(dataDir, binding);
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  const { engine } = options;

  const listeners = new Set<(event: PushEvents) => void>();
  const push = (event: PushEvents): void => {
    for (const listener of [...listeners]) listener(event);
  };
  const tracker = new StartupTracker({ onChange: (startup) => push({ type: 'onStartupProgress', startup }) });
  const modelPath = new EarlyModelSetting();
  const models = createModelService(options, dataDir, modelPath, push);
  let offEarlyStatus: (() => void) | null = engine.onStatus((status) => push({ type: 'onEngineStatus', status }));
  let windowHost = options.windows ?? NO_WINDOWS;
  const info = appInfoFor(options, dataDir);

  // The model: the one named at launch at once; else the one chosen last time, once the file has said which.
  const progress = options.onLoadProgress ? { onProgress: options.onLoadProgress } : {};
  const modelLoaded = options.modelPath === undefined ? Promise.resolve() : models.useFile(options.modelPath, progress).then(() => undefined);
  modelLoaded.catch(() => undefined); // the window shows it; the caller may also wait for it
  let savedModelLoading = options.modelPath !== undefined;
  const loadSavedModel = (): void => {
    if (savedModelLoading) return;
    savedModelLoading = true;
    void models.loadSaved(progress); // never throws: a failure is shown in the window
  };

  const damage = new DamageMarker(databaseFile);
  const knownDamage = damage.reason;
  const storeOptions = { ...options.store, ...binding, ...(knownDamage === null ? {} : { knownDamage }) };
  let composed: ComposedApp | null = null;
  let opening: StoreOpening | null = null;
  let stopping = false;

  /** The store is open: compose the app around it (the early parts go in), and say so. */
  const compose = (store: Store, checking: boolean): ComposedApp => {
    if (knownDamage !== null) damage.clear();
    const app = composeApp({
      ...options,
      windows: windowHost,
      opened: { lock, store },
      earlyModels: { service: models, attach: (setting) => modelPath.attach(setting) },
      startup: () => tracker.state,
    });
    offEarlyStatus?.();
    offEarlyStatus = null;
    app.onPush(push);
    composed = app;
    tracker.ready(checking);
    loadSavedModel();
    return app;
  };

  if (knownDamage !== null) tracker.note(RECOVERY_NOTE);
  let ready: Promise<ComposedApp>;
  if (chooseOpening(databaseFile, options, knownDamage) === 'inline') {
    try {
      const store = openStore(databaseFile, {
        ...storeOptions,
        ...storeLog(options),
        markInterrupted: true,
        onProgress: (event) => tracker.progress(event),
      });
      ready = Promise.resolve(compose(store, false));
    } catch (error) {
      tracker.dispose();
      offEarlyStatus?.();
      void models.dispose();
      lock.release();
      throw userFacingStoreError(error);
    }
  } else {
    const { now: _clock, ...crossing } = storeOptions;
    const inProcess = openInProcess(
      { file: databaseFile, options: crossing },
      options.launchStoreProcess ?? nodeStoreProcessLauncher(),
      {
        onFacts: (facts) => {
          if (facts.afterUnexpectedStop) tracker.afterUnexpectedStop();
          modelPath.known(facts.modelPath);
          loadSavedModel();
        },
        onProgress: (event) => tracker.progress(event),
      },
    );
    opening = inProcess;
    void inProcess.checked.then(() => tracker.checkFinished());
    ready = inProcess.prepared
      .then(({ checking, ...report }) => {
        if (stopping) throw new RpcError('ABORTED', 'The app was closed while it started.');
        const prepared = { ...report, checked: inProcess.checked };
        return compose(openStore(databaseFile, { ...storeOptions, ...storeLog(options), markInterrupted: true, prepared }), checking);
      })
      .catch((error: unknown) => {
        throw userFacingStoreError(error);
      });
    ready.catch((error: unknown) => {
      if (!stopping) tracker.failed(error instanceof Error ? error.message : String(error));
    });
  }

  const early: Partial<Handlers> = {
    'app.getInfo': () => info,
    'app.getStartup': () => tracker.state,
    'engine.getStatus': () => engine.status(),
    'models.getState': () => models.state(),
  };
  const handlers = routeHandlers(early, () => composed, ready);
  let disposing: Promise<void> | undefined;
  return {
    handlers,
    engine,
    models,
    startup: () => tracker.state,
    get composed() {
      return composed;
    },
    ready,
    modelLoaded,
    onPush(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    push,
    attachWindows(host) {
      windowHost = host;
      composed?.attachWindows(host);
    },
    dispose() {
      disposing ??= (async () => {
        stopping = true;
        opening?.stop();
        tracker.dispose();
        const app = composed;
        if (app) {
          await app.dispose();
          listeners.clear();
          return;
        }
        offEarlyStatus?.();
        listeners.clear();
        try {
          await endWithin(
            async (hurry) => {
              await models.dispose();
              await engine.dispose({ signal: hurry });
            },
            engine,
            options.disposeGraceMs ?? DISPOSE_GRACE_MS,
          );
        } finally {
          lock.release();
        }
      })();
      return disposing;
    },
  };
}

/**
 * Every contract method: the early ones answer at once; the rest go to the composed app, waiting for it while the
 * store opens (a cancelled request stops waiting), and fail with the store's error in words if it cannot open.
 */
function routeHandlers(early: Partial<Handlers>, composed: () => ComposedApp | null, ready: Promise<ComposedApp>): Handlers {
  const handlers: Partial<Record<MethodName, Handler<MethodName>>> = {};
  for (const name of Object.keys(schemas) as MethodName[]) {
    const answerEarly = EARLY_METHODS.has(name) ? (early[name] as Handler<MethodName> | undefined) : undefined;
    handlers[name] = async (params, context) => {
      const app = composed() ?? (answerEarly ? null : await untilReady(ready, context.signal));
      if (app) return (app.handlers[name] as Handler<MethodName>)(params, context);
      return answerEarly!(params, context);
    };
  }
  return handlers as Handlers;
}

/** The composed app once ready; `ABORTED` when the request is cancelled first, the store's failure as the contract's. */
async function untilReady(ready: Promise<ComposedApp>, signal: AbortSignal): Promise<ComposedApp> {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new RpcError('ABORTED', 'The request was cancelled while the app was starting.'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([ready, aborted]);
  } catch (error) {
    // The store's failure is in words already (see `userFacingStoreError`).
    if (error instanceof StoreError) throw new RpcError('STORE_FAILED', error.message, { storeCode: error.code });
    throw toRpcError(error);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Inline or in a process (see {@link StartAppOptions.storeOpening}). Reads only file sizes, the journals' presence
 * and the schema version in the file's header (bytes 60–63), so it costs nothing.
 */
function chooseOpening(file: string, options: StartAppOptions, knownDamage: string | null): 'inline' | 'process' {
  const choice = options.storeOpening ?? 'auto';
  if (choice !== 'auto') return choice;
  if (!existsSync(file)) return 'inline';
  if (knownDamage !== null || existsSync(`${file}${MIGRATION_JOURNAL_SUFFIX}`) || existsSync(`${file}${SALVAGE_JOURNAL_SUFFIX}`)) {
    return 'process';
  }
  const bytes = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
  if (bytes > INLINE_LIMIT_BYTES) return 'process';
  const moreWork = options.store?.check === 'full' || headerSchemaVersion(file) < LATEST_SCHEMA_VERSION;
  return moreWork && bytes > INLINE_WORK_LIMIT_BYTES ? 'process' : 'inline';
}

/** `PRAGMA user_version` as the file's header has it (0 when the file is too short to have one). */
function headerSchemaVersion(file: string): number {
  const header = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, header, 0, 4, 60) === 4 ? header.readUInt32BE(0) : 0;
  } finally {
    closeSync(fd);
  }
}
