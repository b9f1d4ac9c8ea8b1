/** One question put to the user before something that cannot be undone. */
export interface ConfirmRequest {
  title: string;
  body: string;
  /** The label of the button that goes ahead, e.g. "Delete". */
  confirmLabel: string;
  answer(confirmed: boolean): void;
}

/** Asks "are you sure?" through the window's one confirmation dialog (`ConfirmDialog.svelte`). */
export class ConfirmState {
  request = $state.raw<ConfirmRequest | null>(null);

  /** Show the question; resolves `true` when the user confirms, `false` on Cancel or Escape. */
  ask(question: Omit<ConfirmRequest, 'answer'>): Promise<boolean> {
    this.request?.answer(false);
    return new Promise((resolve) => {
      const request: ConfirmRequest = {
        ...question,
        answer: (confirmed) => {
          if (this.request === request) this.request = null;
          resolve(confirmed);
        },
      };
      this.request = request;
    });
  }
}
