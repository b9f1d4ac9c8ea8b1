import type { AppClient } from '../../src-main/common/app-rpc';
import type { AppSettings, QuickStatus } from '../../src-main/common/types';

type Patch = Partial<Omit<AppSettings, 'modelPath' | 'remoteServers'>>;

/**
 * The app settings as this window knows them: fetched at start, replaced when any window changes them
 * (`onSettingsChanged`), and applied to the page (the theme).
 */
export class AppSettingsState {
  /** `null` until the app has answered. */
  current = $state.raw<AppSettings | null>(null);
  /** The global shortcut, tray and login item as the app has them (issue 10); `null` until it has answered. */
  desktop = $state.raw<QuickStatus | null>(null);

  readonly #client: AppClient;

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** The send shortcut in force (Enter until the settings have arrived). */
  get sendShortcut(): AppSettings['sendShortcut'] {
    return this.current?.sendShortcut ?? 'enter';
  }

  async load(): Promise<void> {
    const [settings, desktop] = await Promise.all([this.#client.call('settings.get', {}), this.#client.call('quick.getStatus', {})]);
    this.apply(settings);
    this.desktop ??= desktop;
  }

  /** Save a change; resolves with the whole settings, or throws the app's refusal (`BAD_REQUEST` in words). */
  async update(patch: Patch): Promise<AppSettings> {
    const settings = await this.#client.call('settings.update', { patch });
    this.apply(settings);
    return settings;
  }

  /** Take settings pushed by the app (or just fetched) and apply the theme to the page. */
  apply(settings: AppSettings): void {
    this.current = settings;
    const root = document.documentElement;
    if (settings.theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = settings.theme;
  }
}
