/**
 * Subscribers to one kind of event (as VS Code's `Emitter`): `on` adds one and returns the function that removes
 * it; `emit` calls each in the order they came, on a copy of the list (one may unsubscribe from inside). One faulty
 * subscriber never stops the others: its error goes to `onListenerError`, by default thrown again on its own,
 * asynchronously, where it still surfaces.
 */
export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();

  constructor(
    private readonly onListenerError: (error: unknown) => void = (error) =>
      queueMicrotask(() => {
        throw error;
      }),
  ) {}

  /** Adds a listener; returns the function that removes it. */
  on(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
