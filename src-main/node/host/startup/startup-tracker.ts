import { stat } from 'node:fs/promises';
import type { StartupState, StartupStep } from '../../../common/types';
import type { OpenProgress } from '../../store/open-progress';
import { checkText, describeProgress, interruptedUpdateNote, OPENING_TEXT } from './startup-words';

/** The state of a start that has nothing to do (or is done): what `app.getStartup` answers once the app is ready. */
export const READY_STARTUP: StartupState = { phase: 'ready', step: null, note: null, error: null, check: null };

/** Pushes are sent at most this often (a step that reports every few milliseconds would flood the pages). */
const PUSH_INTERVAL_MS = 100;

/** How often the size of a file being written by one long statement is read, for its progress. */
const FILE_WATCH_INTERVAL_MS = 250;

/** An estimate of the time left needs this much of the step done, and this long spent on it, to mean something. */
const MIN_FRACTION_FOR_ESTIMATE = 0.02;
const MIN_ELAPSED_FOR_ESTIMATE_MS = 1000;

export interface StartupTrackerOptions {
  /** The clock (ms); tests pass a fake. */
  now?: () => number;
  /** Told of every change, at most every 100 ms (a phase change at once). */
  onChange?: (state: StartupState) => void;
}

/**
 * The start-up as the user sees it (`StartupState`): turns what the store reports as it opens (`OpenProgress`) into
 * words, a fraction and an estimate of the time left, and tells the pages as it changes, a few times a second at most.
 *
 * The estimate is the step's own pace so far (time spent ÷ share done), once enough of it is done to say; steps are
 * timed one by one, since a backup, a re-index and a check each go at their own pace. A file written by one long
 * statement that reports nothing (the backup before an update, a backup being restored) is timed by its size as it
 * grows.
 */
export class StartupTracker {
  readonly #now: () => number;
  readonly #listeners = new Set<(state: StartupState) => void>();
  #state: StartupState = {
    phase: 'opening',
    step: { kind: 'open', text: OPENING_TEXT, fraction: null, remainingMs: null },
    note: null,
    error: null,
    check: null,
  };
  /** When each step (by its identity) was first seen, for its pace. */
  readonly #started = new Map<string, number>();
  /** The identity of the step shown now: a new one is told at once, so every step is seen, however short. */
  #stepId = 'open';
  #afterUnexpectedStop = false;
  #lastPush = Number.NEGATIVE_INFINITY;
  #pending: NodeJS.Timeout | null = null;
  #watch: NodeJS.Timeout | null = null;
  #disposed = false;

  constructor(options: StartupTrackerOptions = {}) {
    this.#now = options.now ?? Date.now;
    if (options.onChange) this.#listeners.add(options.onChange);
  }

  /** Where the start stands now. */
  get state(): StartupState {
    return this.#state;
  }

  /** Follow the changes; returns an unsubscribe function. */
  onChange(listener: (state: StartupState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The database's log was left behind by a process that did not close it: the check says "after an unexpected stop". */
  afterUnexpectedStop(): void {
    this.#afterUnexpectedStop = true;
  }

  /** Something the user should know about this start (shown with the steps). */
  note(text: string): void {
    this.#set({ note: text });
  }

  /** The store reports a piece of work as it opens; after `ready`, only the check's progress is taken. */
  progress(progress: OpenProgress): void {
    if (this.#state.phase === 'failed') return;
    if (progress.step === 'check' && this.#state.phase === 'ready') {
      this.#set({ check: this.#step('check', describeProgress(progress, this.#afterUnexpectedStop), fractionOf(progress)) });
      return;
    }
    if (this.#state.phase !== 'opening') return;
    this.#stopWatch();
    if (progress.step === 'migrate' && progress.interrupted && this.#state.note === null) {
      this.#state = { ...this.#state, note: interruptedUpdateNote(progress.interrupted) };
    }
    const described = describeProgress(progress, this.#afterUnexpectedStop);
    // Writing back is the end of the work before it (an update, a salvage): it keeps that kind.
    const words = progress.step === 'write-back' ? { ...described, kind: this.#state.step?.kind ?? described.kind } : described;
    const id = identity(progress);
    const isNew = id !== this.#stepId;
    this.#stepId = id;
    this.#set({ step: this.#step(id, words, fractionOf(progress)) }, isNew);
    if (progress.step === 'backup' || progress.step === 'restore') this.#watchFile(id, words, progress.file, progress.bytes);
  }

  /** The store is open and the app composed: the window can be used. `checking`: the check goes on in the background. */
  ready(checking: boolean): void {
    this.#stopWatch();
    const check = checking ? this.#step('check', { kind: 'check', text: checkText(this.#afterUnexpectedStop) }, null) : null;
    this.#set({ phase: 'ready', step: null, error: null, check }, true);
  }

  /** The background check has ended (whatever it found: damage is told as a notice). */
  checkFinished(): void {
    if (this.#state.check !== null) this.#set({ check: null }, true);
  }

  /** The database could not be opened: `message` says why, for the user. */
  failed(message: string): void {
    this.#stopWatch();
    this.#set({ phase: 'failed', step: null, error: message, check: null }, true);
  }

  /** Stop every timer; no more changes are told. */
  dispose(): void {
    this.#disposed = true;
    this.#stopWatch();
    if (this.#pending) clearTimeout(this.#pending);
    this.#pending = null;
    this.#listeners.clear();
  }

  /** A step with its fraction and the time left at its pace so far. */
  #step(id: string, words: Pick<StartupStep, 'kind' | 'text'>, fraction: number | null): StartupStep {
    const now = this.#now();
    const started = this.#started.get(id) ?? now;
    this.#started.set(id, started);
    const elapsed = now - started;
    const remainingMs =
      fraction !== null && fraction >= MIN_FRACTION_FOR_ESTIMATE && elapsed >= MIN_ELAPSED_FOR_ESTIMATE_MS
        ? Math.round((elapsed * (1 - fraction)) / fraction)
        : null;
    return { ...words, fraction, remainingMs };
  }

  /** Follow the size of `file` as one long statement writes it, until the next report. */
  #watchFile(id: string, words: Pick<StartupStep, 'kind' | 'text'>, file: string, bytes: number): void {
    const watch = setInterval(() => {
      void stat(file).then(
        (info) => {
          if (this.#watch !== watch || this.#state.phase !== 'opening') return;
          this.#set({ step: this.#step(id, words, bytes > 0 ? Math.min(0.99, info.size / bytes) : null) });
        },
        () => undefined, // not created yet, or already renamed into place
      );
    }, FILE_WATCH_INTERVAL_MS);
    watch.unref();
    this.#watch = watch;
  }

  #stopWatch(): void {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = null;
  }

  #set(change: Partial<StartupState>, urgent = false): void {
    if (this.#disposed) return;
    this.#state = { ...this.#state, ...change };
    const wait = this.#lastPush + PUSH_INTERVAL_MS - this.#now();
    if (urgent || wait <= 0) {
      this.#push();
      return;
    }
    this.#pending ??= setTimeout(() => this.#push(), wait);
    this.#pending.unref?.();
  }

  #push(): void {
    if (this.#pending) clearTimeout(this.#pending);
    this.#pending = null;
    this.#lastPush = this.#now();
    const state = this.#state;
    for (const listener of [...this.#listeners]) listener(state);
  }
}

/** Which step a report belongs to, for its pace: a new identity starts a new estimate. */
function identity(progress: OpenProgress): string {
  switch (progress.step) {
    case 'migrate':
      return `migrate:${progress.version}`;
    case 'check-backup':
    case 'restore':
      return `${progress.step}:${progress.file}`;
    default:
      return progress.step;
  }
}

/** The share done a report says, `null` when it cannot say. */
function fractionOf(progress: OpenProgress): number | null {
  switch (progress.step) {
    case 'migrate':
      return progress.progress?.fraction ?? null;
    case 'salvage':
      return progress.total === null || progress.total === 0 ? null : Math.min(1, progress.done / progress.total);
    case 'check':
      return progress.total === 0 ? null : Math.min(1, progress.done / progress.total);
    case 'backup':
    case 'restore':
      return 0;
    case 'check-backup':
    case 'write-back':
      return null;
  }
}
