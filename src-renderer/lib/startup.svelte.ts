import { createContext } from 'svelte';
import type { PushEvents } from '../../src-main/common/contract';
import type { AppClient } from '../../src-main/common/app-rpc';
import type { StartupState } from '../../src-main/common/types';

/**
 * Where the app's start stands, for the start-up panel and the check's line (`app.getStartup`, then the
 * `onStartupProgress` pushes). A page may connect at any moment of the start: it asks once and follows the pushes.
 * The answer and the pushes come over one ordered channel, so each is applied as it arrives: whichever comes later is
 * the newer.
 */
export class StartupStatus {
  /** `null` until the app has answered. */
  state = $state.raw<StartupState | null>(null);
  /** Why the app could not be asked (the connection failed), in words; `null` otherwise. */
  error = $state<string | null>(null);

  readonly #client: AppClient;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(client: AppClient) {
    this.#client = client;
  }

  /** The conversations are open and the app can be used. */
  get ready(): boolean {
    return this.state?.phase === 'ready';
  }

  async start(): Promise<void> {
    this.#unsubscribe.push(this.#client.onPush((event) => this.#onPush(event)));
    try {
      this.state = await this.#client.call('app.getStartup', {});
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #onPush(event: PushEvents): void {
    if (event.type === 'onStartupProgress') this.state = event.startup;
  }
}

/** The window's start-up status, shared through context. */
export const [getStartup, setStartup] = createContext<StartupStatus>();

/** "About 2 min left", "About 40 s left", "A few seconds left": the estimate in words, or `null` without one. */
export function describeRemaining(remainingMs: number | null): string | null {
  if (remainingMs === null) return null;
  const seconds = Math.round(remainingMs / 1000);
  if (seconds < 5) return 'A few seconds left';
  if (seconds < 60) return `About ${Math.round(seconds / 5) * 5} s left`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round((seconds % 60) / 10) * 10;
  if (minutes >= 10) return `About ${Math.round(seconds / 60)} min left`;
  return rest === 0 || rest === 60 ? `About ${minutes + (rest === 60 ? 1 : 0)} min left` : `About ${minutes} min ${rest} s left`;
}
