import type { AppClient } from '../../src-main/common/app-rpc';
import type { AppNotice } from '../../src-main/common/types';

/** Things the app must tell the user once (database restored from a backup, replies interrupted by a crash). */
export class AppNoticesState {
  list = $state.raw<AppNotice[]>([]);

  readonly #client: AppClient;

  constructor(client: AppClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    const notices = await this.#client.call('app.getNotices', {});
    // A notice pushed while the list was being fetched is kept.
    this.list = [...notices, ...this.list.filter((n) => !notices.some((known) => known.id === n.id))];
  }

  /** A notice pushed by the app (`onNotice`); one with the same id replaces the old one. */
  add(notice: AppNotice): void {
    this.list = [...this.list.filter((n) => n.id !== notice.id), notice];
  }

  /** Hide a notice now and tell the app it has been seen. */
  async dismiss(id: string): Promise<void> {
    this.list = this.list.filter((n) => n.id !== id);
    await this.#client.call('app.dismissNotice', { id });
  }
}
