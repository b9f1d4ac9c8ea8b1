import { createContext } from 'svelte';
import type { Message } from '../../src-main/common/types';

/**
 * Which message's inline editor is open (one at a time). Shared through context by the chat pane, so a message's
 * Edit button and the message box's Up key open the same editor.
 */
export class MessageEditing {
  /** The message whose editor is open; `null` when none is. */
  messageId = $state<string | null>(null);

  open(messageId: string): void {
    this.messageId = messageId;
  }

  /** Close `messageId`'s editor (another one opened since stays open). */
  close(messageId: string): void {
    if (this.messageId === messageId) this.messageId = null;
  }

  /**
   * Open the editor of the last message the user wrote in `messages` (the shown branch, oldest first), unless a
   * reply is being written (`busy`). Returns whether an editor opened.
   */
  editLast(messages: readonly Message[], busy: boolean): boolean {
    if (busy) return false;
    const last = messages.findLast((message) => message.role === 'user');
    if (!last) return false;
    this.open(last.id);
    return true;
  }
}

export const [getMessageEditing, setMessageEditing] = createContext<MessageEditing>();
