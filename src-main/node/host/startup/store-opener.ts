import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IntegrityVerdict } from '../../store/integrity-walk';
import type { OpenProgress } from '../../store/open-progress';
import type { PreparedFile } from '../../store/open-store';
import { StoreError, type StoreErrorCode } from '../../store/store-error';
import { encodeRequest, type StoreProcessMessage, type StoreProcessRequest } from './store-process-protocol';

/** A process started to open the store (store-process.ts): its output, its end, and a way to stop it. */
export interface StoreProcess {
  /** Its standard output: one JSON message a line. */
  readonly stdout: NodeJS.ReadableStream | null;
  /** Called once when it has ended, however it ended. */
  onExit(listener: (code: number | null) => void): void;
  /** End it at once (SIGKILL). */
  kill(): void;
}

/** Starts the store's process with its one argument (the encoded request). */
export type StoreProcessLauncher = (argument: string) => StoreProcess;

/**
 * The launcher of the browser host and the tests: a Node child process running store-process (the TypeScript file
 * with tsx's loader from source, the `.js` beside this module's bundle otherwise). Its stderr is this process's, so
 * what goes wrong there is seen.
 */
export function nodeStoreProcessLauncher(entry?: string): StoreProcessLauncher {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = entry ?? fileURLToPath(new URL(`./store-process.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const execArgv = script.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return (argument) => {
    const child = spawn(process.execPath, [...execArgv, script, argument], { stdio: ['ignore', 'pipe', 'inherit'] });
    return {
      stdout: child.stdout,
      onExit: (listener) => void child.once('close', (code) => listener(code)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}

/** What the store's process found before any long work. */
export interface StoreFacts {
  /** The model chosen last time, to load while the store opens. */
  modelPath: string | null;
  /** The last process to use the database did not close it. */
  afterUnexpectedStop: boolean;
}

/** The store being opened in its process. */
export interface StoreOpening {
  /**
   * What was done to the file (and whether the check goes on in the background, `checking`); then the app opens the
   * store. Rejects with a `StoreError` when it cannot be opened.
   */
  readonly prepared: Promise<PreparedFile['report'] & { checking: boolean }>;
  /** The verdict of the check that goes on after `prepared` (`unknown` when the process ended without one). */
  readonly checked: Promise<IntegrityVerdict>;
  /** Stop the process now. Work under way is undone as after a crash, and done again at the next start. */
  stop(): void;
}

/**
 * Open the store's file in a process of its own (see store-process.ts), telling `onFacts` and `onProgress` as it
 * reports. Messages that are not the protocol's (a stray line on stdout) are ignored.
 */
export function openInProcess(
  request: StoreProcessRequest,
  launch: StoreProcessLauncher,
  events: { onFacts?: (facts: StoreFacts) => void; onProgress?: (progress: OpenProgress) => void } = {},
): StoreOpening {
  const child = launch(encodeRequest(request));
  let settlePrepared: { resolve(value: PreparedFile['report'] & { checking: boolean }): void; reject(error: StoreError): void };
  const prepared = new Promise<PreparedFile['report'] & { checking: boolean }>((resolve, reject) => (settlePrepared = { resolve, reject }));
  let resolveChecked!: (verdict: IntegrityVerdict) => void;
  const checked = new Promise<IntegrityVerdict>((resolve) => (resolveChecked = resolve));
  let failure: StoreError | null = null;
  let stopped = false;

  const receive = (message: StoreProcessMessage): void => {
    switch (message.t) {
      case 'facts':
        events.onFacts?.({ modelPath: message.modelPath, afterUnexpectedStop: message.afterUnexpectedStop });
        return;
      case 'progress':
        events.onProgress?.(message.progress);
        return;
      case 'prepared':
        settlePrepared.resolve({ ...message.report, checking: message.check === 'running' });
        if (message.check === 'none') resolveChecked({ state: 'unknown', reason: 'the file was not checked at open' });
        return;
      case 'verdict':
        resolveChecked(message.verdict);
        return;
      case 'failed':
        failure = new StoreError(storeCode(message.code), message.message);
        settlePrepared.reject(failure);
        return;
    }
  };
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message: StoreProcessMessage;
      try {
        message = JSON.parse(line) as StoreProcessMessage;
      } catch {
        return;
      }
      if (typeof message === 'object' && message !== null && typeof message.t === 'string') receive(message);
    });
  }
  child.onExit((code) => {
    const why = stopped ? 'it was stopped' : `it ended unexpectedly (exit code ${code ?? 'none'})`;
    // Settled already when it said why (or said it was done): these do nothing then.
    settlePrepared.reject(failure ?? new StoreError('DB_ERROR', `The conversation database could not be opened: ${why}.`));
    resolveChecked({ state: 'unknown', reason: `the check did not finish: ${why}` });
  });
  prepared.catch(() => undefined); // a start that is stopped has nobody waiting for it
  return {
    prepared,
    checked,
    stop() {
      stopped = true;
      child.kill();
    },
  };
}

const STORE_CODES = new Set<string>([
  'DB_UNWRITABLE',
  'DB_CORRUPT',
  'DB_READ_ONLY',
  'DB_TOO_NEW',
  'DB_LOCKED',
  'DB_FULL',
  'DB_IO',
  'DB_SCHEMA_MISMATCH',
  'DB_CLOSED',
  'NOT_FOUND',
  'NOT_STREAMING',
  'INVALID_INPUT',
  'TOO_LARGE',
  'DB_ERROR',
] satisfies StoreErrorCode[]);

function storeCode(code: string | null): StoreErrorCode {
  return code !== null && STORE_CODES.has(code) ? (code as StoreErrorCode) : 'DB_ERROR';
}
