import type { ExportedMessage } from '../../store/history-schema';

/** A run of messages to show together: a whole branch, or where a branch leaves the ones shown before it. */
export interface BranchSection {
  /** 1-based; the branch shown in the app is 1. */
  number: number;
  /** The message this run continues from (`null`: it starts the conversation). */
  after: ExportedMessage | null;
  /** Its messages, parent before child; the first one's place in its branch is `startDepth + 1`. */
  messages: ExportedMessage[];
  startDepth: number;
}

/** A conversation's messages as readable branches (see {@link branchSections}). */
export interface BranchLayout {
  /** How many branches (leaves) the tree has. */
  count: number;
  sections: BranchSection[];
}

/**
 * The branch shown in the app: the messages from the first one to the current leaf (`currentLeafId`; the last
 * message when there is none), oldest first. `messages` are in write order (a parent before its children).
 */
export function shownBranch(messages: readonly ExportedMessage[], currentLeafId: string | null): ExportedMessage[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const path: ExportedMessage[] = [];
  let at = currentLeafId === null ? messages.at(-1) : byId.get(currentLeafId);
  while (at !== undefined && path.length <= messages.length) {
    path.push(at);
    at = at.parentId === null ? undefined : byId.get(at.parentId);
  }
  return path.reverse();
}

/**
 * Every branch of a conversation, each message once: the branch shown in the app first and whole, then each other
 * branch from where it leaves those before it (a regenerated reply, an edited question), down to its last message.
 *
 * It is the tree's depth-first order with the shown branch's child taken first at every fork: the messages between
 * two consecutive leaves of that order are exactly where the second branch differs from all before it. Linear in
 * the number of messages.
 */
export function branchSections(messages: readonly ExportedMessage[], currentLeafId: string | null): BranchLayout {
  const children = new Map<string | null, ExportedMessage[]>();
  for (const message of messages) {
    const siblings = children.get(message.parentId);
    if (siblings) siblings.push(message);
    else children.set(message.parentId, [message]);
  }
  const shown = new Set(shownBranch(messages, currentLeafId).map((message) => message.id));
  const ordered = (parentId: string | null): ExportedMessage[] => {
    const list = children.get(parentId) ?? [];
    const first = list.findIndex((message) => shown.has(message.id));
    return first <= 0 ? list : [list[first]!, ...list.slice(0, first), ...list.slice(first + 1)];
  };

  const byId = new Map(messages.map((message) => [message.id, message]));
  const sections: BranchSection[] = [];
  let run: ExportedMessage[] = [];
  let runDepth = 0;
  // Depth-first, iteratively (a conversation can be thousands of messages deep): children pushed in reverse.
  const stack: Array<{ message: ExportedMessage; depth: number }> = ordered(null)
    .reverse()
    .map((message) => ({ message, depth: 0 }));
  while (stack.length > 0) {
    const { message, depth } = stack.pop()!;
    if (run.length === 0) runDepth = depth;
    run.push(message);
    const next = ordered(message.id);
    if (next.length === 0) {
      const parentId = run[0]!.parentId;
      sections.push({
        number: sections.length + 1,
        after: parentId === null ? null : (byId.get(parentId) ?? null),
        messages: run,
        startDepth: runDepth,
      });
      run = [];
      continue;
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push({ message: next[i]!, depth: depth + 1 });
  }
  return { count: sections.length, sections };
}
