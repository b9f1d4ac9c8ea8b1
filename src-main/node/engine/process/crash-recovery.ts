import { basename } from 'node:path';
import type { EngineStatus } from '../../../common/types';
import { NO_MODEL_STATUS, type EngineStatusEmitter } from '../status-emitter';

export interface CrashRecoveryOptions {
  /** Restarts allowed within `restartWindowMs` before giving up until the next `load`. Default 3. */
  maxRestarts?: number;
  /** Default 60 000. */
  restartWindowMs?: number;
}

/**
 * What the isolated engine remembers across engine processes, to recover from a crash: the last model that loaded
 * (to load again in the new process), how often the process crashed lately (to stop trying), and the note that
 * says what happened — kept on the status the new process reports until it is ready again.
 */
export class CrashRecovery {
  private lastGoodModel: string | null = null;
  private note: string | null = null;
  private readonly crashTimes: number[] = [];

  constructor(
    private readonly statusEmitter: EngineStatusEmitter,
    private readonly options: CrashRecoveryOptions,
    /** Whether the last good model is being loaded again in the new process. */
    private readonly reloadPending: () => boolean,
  ) {}

  /** A user's `load`: a fresh start (no note, no crashes counted). */
  freshStart(): void {
    this.note = null;
    this.crashTimes.length = 0;
  }

  /** A model loaded: it is the one to load again after a crash. */
  loaded(modelPath: string): void {
    this.lastGoodModel = modelPath;
    this.note = null;
  }

  /**
   * The process crashed (`how`), maybe while loading `crashedLoad`: says so in the status. Returns the model to
   * load again in a new process, `null` to start one with no model, or `'give up'` after too many crashes.
   */
  crashed(how: string, crashedLoad: string | null): string | null | 'give up' {
    const now = Date.now();
    const window = this.options.restartWindowMs ?? 60_000;
    this.crashTimes.push(now);
    while ((this.crashTimes[0] ?? now) < now - window) this.crashTimes.shift();
    const model = this.lastGoodModel;
    if (this.crashTimes.length > (this.options.maxRestarts ?? 3)) {
      this.note = null;
      this.show({
        ...NO_MODEL_STATUS,
        state: 'error',
        modelPath: model,
        modelName: model === null ? null : basename(model),
        error: `The engine process stopped ${this.crashTimes.length} times in a short while (last: ${how}). Load a model to try again.`,
      });
      return 'give up';
    }
    const what = crashedLoad ? `Loading ${basename(crashedLoad)} crashed the engine` : 'The engine stopped';
    this.note = model
      ? `${what} (${how}); it restarted and is loading ${basename(model)} again.`
      : `${what} (${how}); it restarted. Load a model to continue.`;
    if (!model) this.show({ ...NO_MODEL_STATUS, state: 'error', error: this.note });
    // Say what happened at once; the new process's own statuses (loading… ready) follow.
    else this.show({ ...NO_MODEL_STATUS, state: 'loading', modelPath: model, modelName: basename(model), loadProgress: 0 });
    return model;
  }

  /** Shows a status from the process, with the crash note on it while recovering from a crash. */
  show(status: EngineStatus): void {
    const note = this.note;
    if (note && status.state === 'ready') this.note = null;
    if (!note || status.state === 'ready' || status.error) return this.statusEmitter.set(status);
    if (status.state === 'noModel') {
      // A new process starts with nothing loaded: while the last good model is being reloaded, keep showing that.
      if (this.reloadPending()) return;
      return this.statusEmitter.set({ ...status, state: 'error', error: note });
    }
    this.statusEmitter.set({ ...status, error: note });
  }
}
