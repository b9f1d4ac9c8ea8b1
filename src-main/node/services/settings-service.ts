import type { MethodParams } from '../../common/schemas';
import type { AppSettings } from '../../common/types';
import type { SettingsStore } from '../store/settings-store';

/**
 * Something outside the database a setting drives (the global shortcut, the login item), asked before a change is
 * stored: it applies the change, or throws (an `RpcError` in words) to refuse it — then nothing is stored and what
 * was in force stays. It returns how to undo what it applied, in case storing then fails.
 */
export type SettingsGate = (next: AppSettings, previous: AppSettings) => (() => void) | void;

export interface SettingsServiceOptions {
  /** Told with the whole settings after every change, so every window can apply them. */
  onSettingsChanged?: (settings: AppSettings) => void;
  /** Asked before every change is stored (see {@link SettingsGate}). */
  gate?: SettingsGate;
}

/**
 * `settings.get` and `settings.update`. The contract schema has already checked the patch; the store checks it
 * again (`INVALID_INPUT` → `BAD_REQUEST`) and writes it all or nothing.
 */
export class SettingsService {
  readonly #store: SettingsStore;
  readonly #changed: (settings: AppSettings) => void;
  #gate: SettingsGate | undefined;

  constructor(store: SettingsStore, options: SettingsServiceOptions = {}) {
    this.#store = store;
    this.#changed = options.onSettingsChanged ?? (() => {});
    this.#gate = options.gate;
  }

  /** Set the gate after construction (the desktop shell starts after the app is composed). */
  setGate(gate: SettingsGate | undefined): void {
    this.#gate = gate;
  }

  get(): AppSettings {
    return this.#store.getAppSettings();
  }

  update({ patch }: MethodParams['settings.update']): AppSettings {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<AppSettings>;
    const previous = this.#store.getAppSettings();
    const undo = this.#gate?.({ ...previous, ...defined }, previous);
    let settings: AppSettings;
    try {
      settings = this.#store.updateAppSettings(defined);
    } catch (error) {
      undo?.();
      throw error;
    }
    this.#changed(settings);
    return settings;
  }
}
