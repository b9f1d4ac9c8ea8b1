import type { Conversation } from '../../src-main/common/types';
import { groupByDate } from './date-groups';

/** Which of a conversation row's two controls: the conversation itself, or its options button. */
export type RowPart = 'open' | 'menu';

/** What a conversation's options menu offers. */
export type MenuAction = 'pin' | 'rename' | 'export' | 'archive' | 'delete';

/** One row of the sidebar's virtual list: a date group's heading, or a conversation. */
export type SidebarRow =
  | { kind: 'heading'; key: string; label: string }
  | { kind: 'conversation'; key: string; conversation: Conversation };

/**
 * The sidebar's conversations as one flat run of rows (a virtual list renders only those near the view): each date
 * group's heading followed by its conversations, in the list's order. Keys are stable across refreshes (a
 * conversation's id; `group:<id>` for a heading), so only rows that changed are rendered again.
 */
export function sidebarRows(conversations: readonly Conversation[], now: number): SidebarRow[] {
  const rows: SidebarRow[] = [];
  for (const group of groupByDate(conversations, now)) {
    rows.push({ kind: 'heading', key: `group:${group.id}`, label: group.label });
    for (const conversation of group.items) rows.push({ kind: 'conversation', key: conversation.id, conversation });
  }
  return rows;
}

/** The ids of the conversation rows, in order (for moving along the list with the arrow keys). */
export function conversationIds(rows: readonly SidebarRow[]): string[] {
  return rows.flatMap((row) => (row.kind === 'conversation' ? [row.key] : []));
}

/**
 * The conversation to move to from `id` for a navigation key (Arrow Up/Down, Home, End), `undefined` when there is
 * none that way (the first row and Arrow Up), `null` when the key does not move.
 */
export function conversationAfterKey(rows: readonly SidebarRow[], id: string, key: string): string | undefined | null {
  const ids = conversationIds(rows);
  const at = ids.indexOf(id);
  switch (key) {
    case 'ArrowDown':
      return ids[at + 1];
    case 'ArrowUp':
      return at > 0 ? ids[at - 1] : undefined;
    case 'Home':
      return ids[0];
    case 'End':
      return ids.at(-1);
    default:
      return null;
  }
}

/** Where focus goes when conversation `id` leaves the list (deleted, archived): the next one, else the one before. */
export function neighbourOf(rows: readonly SidebarRow[], id: string): string | null {
  const ids = conversationIds(rows);
  const at = ids.indexOf(id);
  if (at === -1) return null;
  return ids[at + 1] ?? ids[at - 1] ?? null;
}
