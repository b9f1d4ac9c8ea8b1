import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { openRegularFile } from '../files/regular-file';

/** Default disk budget for saved KV states: 2 GiB, about 6,500 tokens of Phi-2 state (~330 KB per token). */
export const DEFAULT_KV_CACHE_BUDGET_BYTES = 2 * 1024 ** 3;

/** Bumped when the file layout or what a state depends on changes; older folders are then ignored and evicted. */
const LAYOUT_VERSION = 1;

/** One saved sequence state: the KV cache of `tokens`, written by llama.cpp. */
export interface KvStateEntry {
  /** The conversation it belongs to (the request's `cacheKey`). */
  key: string;
  /** The tokens whose state the file holds, in order. */
  tokens: number[];
  bytes: number;
  /** Unix ms; the least recently used entries are evicted first. */
  lastUsedAt: number;
  /** Where the conversation's context window started when the state was saved (see `fitContextWindow`). */
  window?: ConversationWindow;
}

/** Where a conversation's kept turns start, and how many turns it had then. */
export interface ConversationWindow {
  turnsDropped: number;
  turnsLength: number;
}

interface EntryFiles {
  state: string;
  meta: string;
  /** Exists only while llama.cpp reads the state: left behind, it means reading it crashed the process. */
  marker: string;
}

/**
 * Saved KV-cache states of conversations, on disk under a budget, so a conversation reopened later — after switching
 * to others, or after a restart — does not evaluate its whole history again.
 *
 * Layout: `<root>/<model fingerprint>/<sha256(key)>.{state,json}`. The fingerprint covers the model file (size,
 * modification time, a hash of its first 1 MiB), the context size and node-llama-cpp's version: a state is only ever
 * loaded into the model and context that wrote it (llama.cpp may crash on a foreign one). A `.json` records the
 * tokens the state holds; it is written after the state file (both via a temp file and rename), so a state without
 * its `.json` is an interrupted save and is deleted. A `.loading` marker around each load means a load that crashed
 * the process is deleted instead of tried again.
 *
 * The budget covers the whole root (every model): after each save, the least recently used states are deleted until
 * the total fits.
 */
export class KvStateCache {
  private readonly entries = new Map<string, KvStateEntry>();

  private constructor(
    private readonly root: string,
    private readonly dir: string,
    private readonly budgetBytes: number,
  ) {}

  /**
   * Opens (creating it if needed) the cache for one model and context, and reads what is saved for it.
   * @param identity what the states depend on besides the model file (e.g. the context size).
   */
  static async open(root: string, modelPath: string, identity: string, budgetBytes: number): Promise<KvStateCache> {
    const fingerprint = await modelFingerprint(modelPath, identity);
    const cache = new KvStateCache(root, join(root, fingerprint), budgetBytes);
    await mkdir(cache.dir, { recursive: true });
    await cache.scan();
    return cache;
  }

  /** The saved state sharing the longest token prefix with `tokens` (ties: the most recently used), if any. */
  bestMatch(tokens: readonly Token[]): { entry: KvStateEntry; shared: number } | null {
    let best: { entry: KvStateEntry; shared: number } | null = null;
    for (const entry of this.entries.values()) {
      const shared = sharedPrefix(entry.tokens, tokens);
      if (
        shared > 0 &&
        (!best || shared > best.shared || (shared === best.shared && entry.lastUsedAt > best.entry.lastUsedAt))
      ) {
        best = { entry, shared };
      }
    }
    return best;
  }

  /** Whether `key`'s saved state holds exactly these tokens (nothing new to save). */
  isSaved(key: string, tokens: readonly Token[]): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.tokens.length === tokens.length && sharedPrefix(entry.tokens, tokens) === tokens.length;
  }

  /** The context window `key`'s conversation had when its state was saved, if recorded. */
  windowOf(key: string): ConversationWindow | undefined {
    const window = this.entries.get(key)?.window;
    return window ? { ...window } : undefined;
  }

  /**
   * Saves the sequence's state as `key`'s (replacing the previous one), then evicts down to the budget.
   * @param window where the conversation's context window starts, kept with the state.
   */
  async save(sequence: LlamaContextSequence, key: string, window?: ConversationWindow): Promise<void> {
    const tokens = sequence.contextTokens.slice();
    if (tokens.length === 0 || this.isSaved(key, tokens)) return;
    const files = this.files(key);
    const temp = `${files.state}.tmp`;
    const { fileSize } = await sequence.saveStateToFile(temp);
    if (fileSize > this.budgetBytes) {
      await rm(temp, { force: true });
      return;
    }
    const entry: KvStateEntry = {
      key,
      tokens: tokens.map(Number),
      bytes: fileSize,
      lastUsedAt: Date.now(),
      ...(window ? { window: { ...window } } : {}),
    };
    await rm(files.meta, { force: true }); // the old tokens no longer describe the state being put in place
    await rename(temp, files.state);
    await writeAtomically(files.meta, JSON.stringify(entry));
    this.entries.set(key, entry);
    await this.evict();
  }

  /**
   * Loads a saved state into the sequence (replacing its contents) and checks that it holds the recorded tokens.
   * Returns false, and deletes the entry, if it could not be loaded or does not match; the sequence is then empty.
   */
  async restore(sequence: LlamaContextSequence, entry: KvStateEntry): Promise<boolean> {
    const files = this.files(entry.key);
    try {
      await writeFile(files.marker, '');
      await sequence.loadStateFromFile(files.state, { acceptRisk: true });
      await rm(files.marker, { force: true });
      const loaded = sequence.contextTokens;
      if (loaded.length !== entry.tokens.length || sharedPrefix(entry.tokens, loaded) !== loaded.length) {
        throw new Error('the state does not hold the recorded tokens');
      }
    } catch {
      await this.remove(entry.key);
      await sequence.clearHistory();
      return false;
    }
    entry.lastUsedAt = Date.now();
    await writeAtomically(files.meta, JSON.stringify(entry)).catch(() => undefined);
    return true;
  }

  /** Total bytes of saved states for this model. */
  bytesUsed(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    return total;
  }

  private files(key: string): EntryFiles {
    const base = join(this.dir, createHash('sha256').update(key).digest('hex').slice(0, 32));
    return { state: `${base}.state`, meta: `${base}.json`, marker: `${base}.loading` };
  }

  private async remove(key: string): Promise<void> {
    this.entries.delete(key);
    const files = this.files(key);
    await Promise.all([files.meta, files.state, files.marker].map((file) => rm(file, { force: true })));
  }

  /** Reads this model's entries; deletes interrupted saves and states whose loading crashed the process. */
  private async scan(): Promise<void> {
    const names = new Set(await readdir(this.dir));
    for (const name of names) {
      const base = name.replace(/\.(state|json|loading|state\.tmp|json\.tmp)$/, '');
      const path = join(this.dir, base);
      if (name.endsWith('.tmp') || (name.endsWith('.state') && !names.has(`${base}.json`))) {
        await rm(join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const entry = await readEntry(`${path}.json`);
      const stateSize = await stat(`${path}.state`).then(
        (info) => info.size,
        () => -1,
      );
      if (!entry || names.has(`${base}.loading`) || stateSize !== entry.bytes) {
        await Promise.all(['.json', '.state', '.loading'].map((suffix) => rm(`${path}${suffix}`, { force: true })));
        continue;
      }
      this.entries.set(entry.key, entry);
    }
  }

  /** Deletes the least recently used states (of any model) until the root's total is within the budget. */
  private async evict(): Promise<void> {
    const all: Array<{ dir: string; entry: KvStateEntry; ours: boolean }> = [];
    for (const folder of await readdir(this.root, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      const dir = join(this.root, folder.name);
      if (dir === this.dir) continue;
      for (const name of await readdir(dir).catch(() => [])) {
        if (!name.endsWith('.json')) continue;
        const entry = await readEntry(join(dir, name));
        if (entry) all.push({ dir, entry, ours: false });
        else await rm(join(dir, name), { force: true });
      }
    }
    for (const entry of this.entries.values()) all.push({ dir: this.dir, entry, ours: true });
    let total = all.reduce((sum, item) => sum + item.entry.bytes, 0);
    all.sort((a, b) => a.entry.lastUsedAt - b.entry.lastUsedAt);
    for (const item of all) {
      if (total <= this.budgetBytes) break;
      total -= item.entry.bytes;
      if (item.ours) {
        await this.remove(item.entry.key);
      } else {
        const base = join(item.dir, createHash('sha256').update(item.entry.key).digest('hex').slice(0, 32));
        await Promise.all(['.json', '.state'].map((suffix) => rm(`${base}${suffix}`, { force: true })));
      }
    }
  }
}

/** How many leading tokens two sequences share. */
export function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}

/** A short hash of everything a saved state depends on. */
async function modelFingerprint(modelPath: string, identity: string): Promise<string> {
  const { handle, stats: info } = await openRegularFile(modelPath);
  const head = Buffer.alloc(Math.min(info.size, 1024 * 1024));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  return createHash('sha256')
    .update(`v${LAYOUT_VERSION}|${info.size}|${info.mtimeMs}|${identity}|`)
    .update(head)
    .digest('hex')
    .slice(0, 24);
}

async function readEntry(path: string): Promise<KvStateEntry | null> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isEntry(value)) return null;
    return value;
  } catch {
    return null;
  }
}

function isEntry(value: unknown): value is KvStateEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.key === 'string' &&
    Array.isArray(entry.tokens) &&
    entry.tokens.every((token) => Number.isInteger(token)) &&
    Number.isInteger(entry.bytes) &&
    typeof entry.lastUsedAt === 'number' &&
    (entry.window === undefined || isWindow(entry.window))
  );
}

function isWindow(value: unknown): value is ConversationWindow {
  if (typeof value !== 'object' || value === null) return false;
  const window = value as Record<string, unknown>;
  return Number.isInteger(window.turnsDropped) && Number.isInteger(window.turnsLength);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}
