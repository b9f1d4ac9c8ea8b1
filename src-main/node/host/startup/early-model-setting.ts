import type { ModelPathSetting } from '../../services/model-service';

/**
 * The `modelPath` setting while the store opens, so the model can load meanwhile: before the store exists, it reads
 * what the store's process found in the file (`known`), and a model chosen now (`--model` at launch) is remembered
 * here and written to the store once it is open (`attach`). From then on it is the store's setting.
 */
export class EarlyModelSetting implements ModelPathSetting {
  #early: string | null = null;
  #pending: { value: string | null } | null = null;
  #store: ModelPathSetting | null = null;

  get(): string | null {
    if (this.#store) return this.#store.get();
    return this.#pending ? this.#pending.value : this.#early;
  }

  set(value: string | null): void {
    if (this.#store) this.#store.set(value);
    else this.#pending = { value };
  }

  /** What the file holds, read before the store opened. */
  known(value: string | null): void {
    this.#early = value;
  }

  /** The store is open: write what was chosen meanwhile, and read and write the store from now on. */
  attach(store: ModelPathSetting): void {
    this.#store = store;
    const pending = this.#pending;
    this.#pending = null;
    if (pending) store.set(pending.value);
  }
}
