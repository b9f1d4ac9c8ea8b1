import type { Message } from '../../src-main/common/types';

/**
 * One row of the virtual message list: a message, or the "outside the model's view" divider before the first
 * message the model still sees. (The controls that load older and newer pages float over the list instead of being
 * rows: a row that comes and goes at the top would move what the reader sees.)
 */
export type MessageRow =
  | { kind: 'message'; key: string; message: Message; index: number; outOfView: boolean }
  | { kind: 'divider'; key: string; dropped: number };

export interface RowsInput {
  messages: readonly Message[];
  /** Index (in `messages`) of the first message the model sees; earlier ones are dimmed. */
  firstInView: number;
  /** How many messages the model no longer sees (for the divider's words). */
  dropped: number;
}

/** The rows of the message list, top to bottom; each row's key is stable while it means the same thing. */
export function messageRows(input: RowsInput): MessageRow[] {
  const rows: MessageRow[] = [];
  input.messages.forEach((message, index) => {
    if (index === input.firstInView && index > 0) rows.push({ kind: 'divider', key: 'divider', dropped: input.dropped });
    rows.push({ kind: 'message', key: message.id, message, index, outOfView: index < input.firstInView });
  });
  return rows;
}

/**
 * Whether going from `before` to `after` added (or removed) rows at the top — a page of older messages — and not at
 * the bottom, which the virtual list must be told (`shift`) to keep what the reader sees in place.
 */
export function addedAtTop(before: readonly MessageRow[], after: readonly MessageRow[]): boolean {
  if (before.length === 0 || after.length === 0) return false;
  const lastBefore = before.at(-1)?.key;
  const lastAfter = after.at(-1)?.key;
  return before[0]?.key !== after[0]?.key && lastBefore === lastAfter;
}
