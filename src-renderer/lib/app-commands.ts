import type { AppCommand } from '../../src-main/common/app-commands';

/**
 * The window's commands from the application menu (`onMenuCommand`): each component that does one of them (the
 * shortcuts handler, the Settings and Export dialogs) registers the same function its button or key runs, so a
 * menu item and its button cannot do different things.
 */
export class AppCommands {
  readonly #handlers = new Map<AppCommand, () => void>();

  /** Run `handler` for `command` (the latest registration wins); returns the function that removes it. */
  handle(command: AppCommand, handler: () => void): () => void {
    this.#handlers.set(command, handler);
    return () => {
      if (this.#handlers.get(command) === handler) this.#handlers.delete(command);
    };
  }

  /** Run a command; `false` when nothing in the window handles it. */
  run(command: AppCommand): boolean {
    const handler = this.#handlers.get(command);
    if (!handler) return false;
    handler();
    return true;
  }
}
