import type { EngineLogLevel } from '../port';
import { serveRpc, type ContractHandlers, type Transport } from '../../../common/rpc';
import { EngineError, type ChatEngine } from '../port';
import { ENGINE_CONTRACT, toWireEngineError, type EngineContract, type WorkerEngineOptions } from './engine-contract';

/** Makes the engine this process serves, once the host's `init` has said how. */
export type WorkerEngineFactory = (
  options: WorkerEngineOptions,
  onLog: (level: EngineLogLevel, message: string) => void,
) => ChatEngine;

/**
 * Serves one engine to the host over `transport` (the engine contract over the RPC core): `init` makes it, then each
 * request runs on it — they may overlap (the engine queues them), and a cancel reaches the request's abort signal.
 * Status changes and llama.cpp's log lines are pushed as they happen. After `dispose` has answered, `exit` is called;
 * if the host goes away (the transport closes), the engine is disposed and `exit` called too.
 */
export function serveEngine(transport: Transport, createEngine: WorkerEngineFactory, exit: () => void): void {
  let engine: ChatEngine | null = null;
  const current = (): ChatEngine => {
    if (!engine) throw new EngineError('GENERATION_FAILED', 'The engine is not set up.');
    return engine;
  };
  const handlers: ContractHandlers<EngineContract> = {
    init: (options) => {
      if (!engine) {
        const made = createEngine(options, (level, message) => server.push({ type: 'log', level, message }));
        made.onStatus((status) => server.push({ type: 'status', status }));
        engine = made;
        server.push({ type: 'status', status: made.status() });
      }
      return { pid: process.pid };
    },
    load: async ({ modelPath }, { signal, emit }) => {
      await current().load(modelPath, { signal, onProgress: (progress) => emit({ type: 'progress', progress }) });
      return null;
    },
    generate: ({ request }, { signal, emit }) =>
      current().generate(request, {
        signal,
        onContext: (info) => emit({ type: 'context', info }),
        onText: (delta) => emit({ type: 'text', delta }),
      }),
    prefill: ({ request, stillTyping }) => current().prefill(request, { stillTyping }),
    measure: ({ request }) => current().measure(request).catch(() => null),
    setThreads: ({ threads }) => {
      current().setThreads?.(threads);
      return null;
    },
    dispose: async () => {
      await engine?.dispose().catch(() => undefined);
      setImmediate(exit); // after this answer has been sent
      return null;
    },
  };
  const server = serveRpc(transport, ENGINE_CONTRACT, withEngineErrors(handlers), {
    // Prefills come with every pause in typing and are answered at once when superseded: never refuse one as BUSY.
    maxInFlight: Number.POSITIVE_INFINITY,
    onInternalError: (method, error) => server.push({ type: 'log', level: 'error', message: `${method} failed: ${String(error)}` }),
  });
  transport.onClose?.(() => {
    // The host is gone (crashed or killed): free the model and leave; no one is left to answer.
    void (engine?.dispose() ?? Promise.resolve()).catch(() => undefined).then(exit);
  });
}

/** Every handler's `EngineError`s cross to the host with their codes (see `toWireEngineError`). */
function withEngineErrors(handlers: ContractHandlers<EngineContract>): ContractHandlers<EngineContract> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (...args: unknown[]) => unknown][]) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        throw toWireEngineError(error);
      }
    };
  }
  return wrapped as ContractHandlers<EngineContract>;
}
