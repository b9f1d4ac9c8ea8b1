import type { ChatEngine, GenerateOptions, GenerateRequest, GenerateResult } from './port';
import { PriorityQueue } from './priority-queue';
import { abortedBeforeStart } from './reply-stats';

/**
 * Who asks the local model for a reply: the user in a window (the chat window, the quick prompt), or another program
 * through the local API. Lower numbers go first.
 */
export const LANE_PRIORITY = { window: 0, api: 1 } as const;
export type LaneName = keyof typeof LANE_PRIORITY;

/**
 * The one local engine shared by the windows and the local API. The model has one KV cache and writes one reply at a
 * time; its own queue serves requests first come, first served. In front of it, the lanes hand the engine one reply
 * at a time from a {@link PriorityQueue}: a reply the user asks for in a window goes before every API request still
 * waiting (an editor's batch of completions cannot keep the user waiting), and only waits for the one being written.
 *
 * Each lane is the engine itself as a `ChatEngine` (status, load, prefill, measure pass straight through); only
 * `generate` waits its turn. A lane's `timeToFirstTokenMs` includes the wait in the lanes, as the engine's includes
 * the wait in its own queue: it is the wait the asker sees.
 */
export class EngineLanes {
  readonly #engine: ChatEngine;
  readonly #queue = new PriorityQueue();
  readonly #lanes = new Map<LaneName, ChatEngine>();
  /** Replies being written now, per lane (0 or 1 in all). */
  readonly #writing = new Map<LaneName, number>();

  constructor(engine: ChatEngine) {
    this.#engine = engine;
  }

  /** The engine as one lane sees it. */
  lane(name: LaneName): ChatEngine {
    let lane = this.#lanes.get(name);
    if (!lane) {
      lane = this.#makeLane(name);
      this.#lanes.set(name, lane);
    }
    return lane;
  }

  /** Replies of a lane being written or waiting their turn. */
  pending(name: LaneName): number {
    return (this.#writing.get(name) ?? 0) + this.#queue.waiting(LANE_PRIORITY[name]);
  }

  /** Replies of a lane being written now (0 or 1). */
  writing(name: LaneName): number {
    return this.#writing.get(name) ?? 0;
  }

  #makeLane(name: LaneName): ChatEngine {
    const engine = this.#engine;
    const generate = async (request: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResult> => {
      const requestedAt = performance.now();
      const release = await this.#queue.acquire(LANE_PRIORITY[name], options.signal);
      if (!release) return abortedBeforeStart(requestedAt, request);
      const waitedMs = performance.now() - requestedAt;
      this.#writing.set(name, (this.#writing.get(name) ?? 0) + 1);
      try {
        const result = await engine.generate(request, options);
        const timeToFirstTokenMs = Math.round(result.stats.timeToFirstTokenMs + waitedMs);
        return { ...result, stats: { ...result.stats, timeToFirstTokenMs } };
      } finally {
        this.#writing.set(name, (this.#writing.get(name) ?? 1) - 1);
        release();
      }
    };
    return {
      status: () => engine.status(),
      onStatus: (listener) => engine.onStatus(listener),
      load: (modelPath, options) => engine.load(modelPath, options),
      generate,
      prefill: (request, options) => engine.prefill(request, options),
      measure: (request) => engine.measure(request),
      dispose: (options) => engine.dispose(options),
    };
  }
}
