import { afterEach, beforeEach } from 'vitest';
import type { Message } from '../../../../src-main/common/types';
import { ScriptedEngine, type ScriptedEngineOptions } from '../../../support/scripted-engine';
import type { ConversationStore } from '../../../../src-main/node/store/conversation-store';
import { startHarness, tempDataDir, type Harness } from '../../node/host/compose-harness';

/**
 * The renderer's state classes against the whole app — real store on a real SQLite file, a scripted engine for
 * exact text — over the in-memory transport pair: what a window sees, without a browser. Tests using it run in the
 * jsdom environment so the `.svelte.ts` classes are compiled with real runes (and `requestAnimationFrame` exists).
 */
export interface StateSession {
  readonly harness: Harness;
  readonly engine: ScriptedEngine;
}

/** Register a fresh app (data folder, scripted engine with a model "loaded") for every test of the calling block. */
export function useAppSession(engineOptions: ScriptedEngineOptions = {}): StateSession {
  let current: { harness: Harness; engine: ScriptedEngine; remove: () => void } | undefined;
  beforeEach(() => {
    const { dir, remove } = tempDataDir();
    const engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', ...engineOptions });
    current = { harness: startHarness(dir, engine), engine, remove };
  });
  afterEach(async () => {
    const session = current;
    current = undefined;
    await session?.harness.close();
    session?.remove();
  });
  const now = (): NonNullable<typeof current> => {
    if (!current) throw new Error('the session exists only while a test runs');
    return current;
  };
  return {
    get harness() {
      return now().harness;
    },
    get engine() {
      return now().engine;
    },
  };
}

/**
 * Append `count` messages numbered from 1 (`message 1` by the user, `message 2` by Phi, …) under `parentId`, straight
 * into the store. Returns the ids, oldest first.
 */
export function appendNumbered(
  conversations: ConversationStore,
  conversationId: string,
  count: number,
  parentId: string | null = null,
  from = 1,
): string[] {
  const ids: string[] = [];
  let parent = parentId;
  for (let i = from; i < from + count; i++) {
    parent = conversations.appendMessage({
      conversationId,
      parentId: parent,
      role: i % 2 ? 'user' : 'assistant',
      content: `message ${i}`,
      status: 'complete',
    }).id;
    ids.push(parent);
  }
  return ids;
}

/** The numbers of `message N` contents, for compact assertions. */
export function numbers(messages: readonly Message[]): number[] {
  return messages.map((m) => Number(/^message (\d+)$/.exec(m.content)?.[1] ?? NaN));
}

/** `from`…`to`, inclusive. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
