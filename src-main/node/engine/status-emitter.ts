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

/** Holds an engine's current status and tells subscribers about every change. */
export class EngineStatusEmitter {
  private current: EngineStatus = { ...NO_MODEL_STATUS };
  private readonly listeners = new Set<(status: EngineStatus) => void>();

  /** A copy of the current status. */
  get(): EngineStatus {
    return { ...this.current };
  }

  set(status: EngineStatus): void {
    this.current = { ...status };
    for (const listener of [...this.listeners]) {
      try {
        listener({ ...status });
      } catch (error) {
        // One faulty subscriber must not break loading for the others; its error still surfaces, asynchronously.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  subscribe(listener: (status: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }
}
