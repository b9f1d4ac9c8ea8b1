import type { MethodParams } from '../../common/schemas';
import type { AppSettings } from '../../common/types';
import type { SettingsStore } from '../store/settings-store';

export interface SettingsServiceOptions {
  /** Told with the whole settings after every change, so every window can apply them. */
  onSettingsChanged?: (settings: AppSettings) => void;
}

/**
 * `settings.get` and `settings.update`. The contract schema has already checked the patch; the store checks it
 * again (`INVALID_INPUT` → `BAD_REQUEST`) and writes it all or nothing.
 */
export class SettingsService {
  readonly #store: SettingsStore;
  readonly #changed: (settings: AppSettings) => void;

  constructor(store: SettingsStore, options: SettingsServiceOptions = {}) {
    this.#store = store;
    this.#changed = options.onSettingsChanged ?? (() => {});
  }

  get(): AppSettings {
    return this.#store.getAppSettings();
  }

  update({ patch }: MethodParams['settings.update']): AppSettings {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const settings = this.#store.updateAppSettings(defined as Partial<AppSettings>);
    this.#changed(settings);
    return settings;
  }
}
