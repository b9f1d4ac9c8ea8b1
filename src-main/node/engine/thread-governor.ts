import { availableParallelism } from 'node:os';
import type { Llama } from 'node-llama-cpp';
import type { EngineThreads } from '../../common/types';
import { MachineLoad } from './machine-load';
import { AdaptiveThreads, type AdaptiveThreadsOptions, type ThreadChange } from './thread-policy';

/** Where the engine's threads stand (for the bench, the logs and tests). */
export interface ThreadState {
  setting: EngineThreads;
  /** The count the next batch runs on. */
  threads: number;
  /** The most `auto` uses: the machine's cores for math. */
  cores: number;
  changes: ThreadChange[];
  /** Threads llama.cpp's context last evaluated with (`LlamaContext.currentThreads`), as node-llama-cpp reports it. */
  lastBatchThreads: number;
}

/** How often the other programs' load is read while the engine evaluates. */
const LOAD_EVERY_MS = 250;

/**
 * Applies a thread count to llama.cpp before each batch, and — on `auto` — lets {@link AdaptiveThreads} choose it
 * from the batch times and the machine's load.
 *
 * The mechanism (measured, node-llama-cpp 3.21.1): the context is made with `threads: {ideal: cores, min: 1}`, and
 * the Llama-wide budget `llama.maxThreads` is set to the chosen count before each batch; node-llama-cpp's thread
 * splitter then hands that many to the batch (`setThreads` on the native context) at no cost — no context is made
 * again. A fixed count (the setting 1…N) is applied the same way and never changes.
 */
export class ThreadGovernor {
  readonly #llama: Llama;
  readonly #cores: number;
  readonly #logical: number;
  readonly #onChange: ((change: ThreadChange) => void) | undefined;
  #policy: AdaptiveThreads | null = null;
  #fixed: number | null = null;
  readonly #readLoad: () => number | null;
  #loadReadAt = 0;
  #reported = 0;
  readonly #policyOptions: Partial<AdaptiveThreadsOptions>;

  constructor(llama: Llama, setting: EngineThreads, options: {
      cores?: number;
      logicalCores?: number;
      onChange?: (change: ThreadChange) => void;
      /** The other programs' load in cores (`MachineLoad` by default; tests tell it). */
      machineLoad?: () => number | null;
      /** The adaptive policy's knobs (tests shorten its waits). */
      policy?: Partial<AdaptiveThreadsOptions>;
    } = {}) {
    this.#llama = llama;
    this.#cores = Math.max(1, options.cores ?? llama.cpuMathCores);
    this.#logical = Math.max(this.#cores, options.logicalCores ?? availableParallelism());
    this.#onChange = options.onChange;
    this.#policyOptions = options.policy ?? {};
    if (options.machineLoad) this.#readLoad = options.machineLoad;
    else {
      const load = new MachineLoad();
      this.#readLoad = () => load.othersBusyCores();
    }
    this.set(setting);
  }

  /** The most threads `auto` uses: the cores llama.cpp counts for math (physical cores, not hyper-threads). */
  get cores(): number {
    return this.#cores;
  }

  /** The most threads a context may be given (its `ideal`): a fixed count may use every logical processor. */
  get most(): number {
    return this.#logical;
  }

  /** The count the next batch runs on. */
  get threads(): number {
    return this.#fixed ?? this.#policy?.threads ?? this.#cores;
  }

  /** `auto`, or a count the user fixed (capped at the machine's logical processors). */
  get setting(): EngineThreads {
    return this.#fixed ?? 'auto';
  }

  /** Every change the adaptive policy made since the setting was last applied. */
  get changes(): readonly ThreadChange[] {
    return this.#policy?.changes ?? [];
  }

  set(setting: EngineThreads): void {
    if (setting === 'auto') {
      this.#fixed = null;
      this.#policy = new AdaptiveThreads({ ...this.#policyOptions, maxThreads: this.#cores, cores: this.#cores });
      this.#reported = 0;
    } else {
      this.#fixed = Math.min(this.#logical, Math.max(1, Math.floor(setting)));
      this.#policy = null;
    }
    this.#llama.maxThreads = this.threads;
  }

  /**
   * Runs one batch of `tokens` (`work` evaluates it) on the current count, and tells the policy how long it took.
   * Only batches that ran alone are timed: the engine evaluates one batch at a time.
   */
  async batch<T>(tokens: number, work: () => Promise<T>): Promise<T> {
    const threads = this.threads;
    this.#llama.maxThreads = threads;
    const started = performance.now();
    const result = await work();
    const policy = this.#policy;
    if (policy !== null) {
      const now = performance.now();
      if (now - this.#loadReadAt >= LOAD_EVERY_MS) {
        this.#loadReadAt = now;
        const others = this.#readLoad();
        if (others !== null) policy.observeLoad(others);
      }
      policy.observe({ threads, tokens, ms: now - started });
      const changes = policy.changes;
      while (this.#reported < changes.length) this.#onChange?.(changes[this.#reported++]!);
    }
    return result;
  }
}
