import type { EngineLogLevel } from './port';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { ConversationWindow, KvStateCache } from './kv-state-cache';

/**
 * A saved state is loaded only if it spares at least this many tokens of evaluation over what the context already
 * holds: loading costs a file read (~330 KB per token for Phi-2, usually from the page cache), evaluating a handful
 * of tokens is cheaper than reading a large state.
 */
const MIN_RESTORE_GAIN_TOKENS = 32;

/** How many conversations' window starts are remembered in memory (the saved states keep theirs too). */
const REMEMBERED_WINDOWS = 256;

/**
 * Which conversation the one context sequence holds, and moving conversations in and out of it: before another
 * conversation takes over, the current one's state is saved (if it changed); a conversation coming back gets its
 * saved state loaded when that spares evaluation. Also remembers where each conversation's context window starts
 * (see `fitContextWindow`'s `keepStart`). Without a `KvStateCache` only the window starts are kept.
 */
export class ConversationStates {
  /** The `cacheKey` of the conversation whose state the sequence holds (null: none worth saving). */
  private owner: string | null = null;
  /** Whether the sequence changed since the owner's state was last saved. */
  private dirty = false;
  private readonly windows = new Map<string, ConversationWindow>();

  constructor(
    private readonly sequence: LlamaContextSequence,
    private readonly kv: KvStateCache | null,
    private readonly onLog?: (level: EngineLogLevel, message: string) => void,
  ) {}

  /** Whether states are saved to disk (and so worth saving when idle). */
  get persistent(): boolean {
    return this.kv !== null;
  }

  /** Where `key`'s window started last time, if its conversation has not been edited shorter since (else 0). */
  keepStart(key: string | undefined, turns: number): number {
    if (key === undefined) return 0;
    const window = this.windows.get(key) ?? this.kv?.windowOf(key);
    return window && turns >= window.turnsLength ? window.turnsDropped : 0;
  }

  /** Records where `key`'s window starts now. */
  rememberWindow(key: string | undefined, window: ConversationWindow): void {
    if (key === undefined) return;
    this.windows.delete(key); // re-inserted last: the map's order is least recently used first
    this.windows.set(key, window);
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= REMEMBERED_WINDOWS) break;
      this.windows.delete(oldest);
    }
  }

  /**
   * Gets the sequence ready for a prompt of conversation `owner`: if another conversation's unsaved state is in it,
   * that is saved first; if a saved state shares a longer prefix with the prompt than the sequence does, it is
   * loaded. Afterwards the sequence belongs to `owner`.
   */
  async prepare(promptTokens: Token[], owner: string | null): Promise<void> {
    const { kv, sequence } = this;
    if (this.owner !== owner) {
      await this.save();
      this.owner = owner;
      this.dirty = false;
    }
    if (!kv) return;
    const inSequence = sequence.compareContextTokens(promptTokens).firstDifferentIndex;
    const saved = kv.bestMatch(promptTokens);
    if (saved && saved.shared >= inSequence + MIN_RESTORE_GAIN_TOKENS) {
      await this.save();
      const restored = await kv.restore(sequence, saved.entry);
      if (!restored) this.onLog?.('warn', 'A saved conversation state could not be used; it was deleted.');
      this.dirty = false;
    }
  }

  /** The owner's reply changed the sequence (its state is worth saving). */
  changed(): void {
    this.dirty = this.owner !== null;
  }

  /** The sequence's contents are unknown (a failed evaluation): never save them. */
  forget(): void {
    this.owner = null;
    this.dirty = false;
  }

  /** Saves the owner's state, if it changed since it was last saved. Failures are logged, never thrown. */
  async save(): Promise<void> {
    const { kv, owner } = this;
    if (!kv || owner === null || !this.dirty) return;
    this.dirty = false;
    try {
      await kv.save(this.sequence, owner, this.windows.get(owner));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.onLog?.('warn', `Could not save the conversation's KV state: ${detail}`);
    }
  }
}
