import { EngineError, type ChatEngine } from '../port';
import { parseHostMessage, type HostMessage, type WorkerEngineOptions } from './protocol';
import type { WorkerPort } from './worker-port';

/** Makes the engine this process serves, once the host's `init` has said how. */
export type WorkerEngineFactory = (
  options: WorkerEngineOptions,
  onLog: (level: 'error' | 'warn', message: string) => void,
) => ChatEngine;

/**
 * Serves one engine to the host over `port`: waits for `init`, then runs each request and answers it with exactly
 * one final message. Status changes are forwarded as they happen. Requests may overlap (the engine queues them);
 * `abort` reaches a request through its own `AbortController`. After `dispose` the process exits.
 */
export function serveEngine(port: WorkerPort, createEngine: WorkerEngineFactory, exit: () => void): void {
  let engine: ChatEngine | null = null;
  const running = new Map<number, AbortController>();

  const handle = (message: HostMessage): void => {
    if (message.type === 'init') {
      if (engine) return;
      engine = createEngine(message.options, (level, text) => port.send({ type: 'log', level, message: text }));
      engine.onStatus((status) => port.send({ type: 'status', status }));
      port.send({ type: 'ready', pid: process.pid });
      port.send({ type: 'status', status: engine.status() });
      return;
    }
    const current = engine;
    if (!current) {
      if (message.type !== 'abort') {
        port.send({ type: 'failed', id: message.id, code: 'GENERATION_FAILED', message: 'The engine is not set up.' });
      }
      return;
    }
    switch (message.type) {
      case 'abort':
        running.get(message.id)?.abort();
        return;
      case 'load': {
        const { id } = message;
        const controller = track(id);
        current
          .load(message.modelPath, {
            signal: controller.signal,
            onProgress: (progress) => port.send({ type: 'loadProgress', id, progress }),
          })
          .then(
            () => port.send({ type: 'loaded', id }),
            (error: unknown) => port.send(failure(id, error, 'MODEL_LOAD_FAILED')),
          )
          .finally(() => running.delete(id));
        return;
      }
      case 'generate': {
        const { id } = message;
        const controller = track(id);
        current
          .generate(message.request, {
            signal: controller.signal,
            onContext: (info) => port.send({ type: 'context', id, info }),
            onText: (delta) => port.send({ type: 'text', id, delta }),
          })
          .then(
            (result) => port.send({ type: 'result', id, result }),
            (error: unknown) => port.send(failure(id, error, 'GENERATION_FAILED')),
          )
          .finally(() => running.delete(id));
        return;
      }
      case 'prefill': {
        const { id } = message;
        void current.prefill(message.request, { stillTyping: message.stillTyping }).then((result) => port.send({ type: 'prefilled', id, result }));
        return;
      }
      case 'measure': {
        const { id } = message;
        void current
          .measure(message.request)
          .catch(() => null)
          .then((result) => port.send({ type: 'measured', id, result }));
        return;
      }
      case 'dispose': {
        const { id } = message;
        void current
          .dispose()
          .catch(() => undefined)
          .then(() => {
            port.send({ type: 'disposed', id });
            exit();
          });
        return;
      }
    }
  };

  const track = (id: number): AbortController => {
    const controller = new AbortController();
    running.set(id, controller);
    return controller;
  };

  port.onMessage((value) => {
    const parsed = parseHostMessage(value);
    if ('problem' in parsed) {
      port.send({ type: 'log', level: 'error', message: `Ignored a malformed message from the host: ${parsed.problem}` });
      return;
    }
    handle(parsed.message);
  });
  port.onHostGone(() => {
    // The host is gone (crashed or killed): free the model and leave; no one is left to answer.
    void (engine?.dispose() ?? Promise.resolve()).catch(() => undefined).then(exit);
  });
}

function failure(id: number, error: unknown, fallback: 'MODEL_LOAD_FAILED' | 'GENERATION_FAILED') {
  const code = error instanceof EngineError ? error.code : fallback;
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'failed' as const, id, code, message };
}
