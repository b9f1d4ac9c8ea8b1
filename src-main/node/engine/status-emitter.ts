import { Emitter } from '../../common/emitter';
import type { EngineStatus } from '../../common/types';

/** The status of an engine with nothing loaded. */
export const NO_MODEL_STATUS: Readonly<EngineStatus> = Object.freeze({
  state: 'noModel',
  modelPath: null,
  modelName: null,
  loadProgress: null,
  contextSize: null,
  error: null,
});

/**
 * Holds an engine's current status and tells subscribers about every change (a status equal to the current one is
 * none: e.g. a new engine process saying it has no model, while the host already shows none).
 */
export class EngineStatusEmitter {
  private current: EngineStatus = { ...NO_MODEL_STATUS };
  private readonly changes = new Emitter<EngineStatus>();

  /** A copy of the current status. */
  get(): EngineStatus {
    return { ...this.current };
  }

  set(status: EngineStatus): void {
    if (sameStatus(status, this.current)) return;
    this.current = { ...status };
    // One faulty subscriber must not break loading for the others (the emitter sees to it).
    this.changes.emit({ ...status });
  }

  subscribe(listener: (status: EngineStatus) => void): () => void {
    return this.changes.on(listener);
  }

  clear(): void {
    this.changes.clear();
  }
}

function sameStatus(a: EngineStatus, b: EngineStatus): boolean {
  return (
    a.state === b.state &&
    a.modelPath === b.modelPath &&
    a.modelName === b.modelName &&
    a.loadProgress === b.loadProgress &&
    a.contextSize === b.contextSize &&
    a.error === b.error
  );
}
