import type { Transport } from '../../src-main/common/rpc';

export interface MemoryTransportPair {
  client: Transport;
  server: Transport;
  /** Close both ends, as a dropped connection would. */
  close(): void;
}

/**
 * Two connected in-memory transports for tests. Messages are deep-copied (`structuredClone`, as Electron IPC does)
 * and delivered asynchronously, so code under test cannot rely on shared objects or synchronous delivery.
 */
export function createMemoryTransportPair(): MemoryTransportPair {
  const listeners = { client: new Set<(message: unknown) => void>(), server: new Set<(message: unknown) => void>() };
  const closeListeners = new Set<() => void>();
  let closed = false;

  const end = (self: 'client' | 'server'): Transport => {
    const peer = self === 'client' ? 'server' : 'client';
    return {
      send(message) {
        if (closed) throw new Error('transport closed');
        const copy = structuredClone(message);
        queueMicrotask(() => {
          if (closed) return;
          for (const listener of listeners[peer]) listener(copy);
        });
      },
      onMessage(listener) {
        listeners[self].add(listener);
        return () => void listeners[self].delete(listener);
      },
      onClose(listener) {
        closeListeners.add(listener);
        return () => void closeListeners.delete(listener);
      },
    };
  };

  return {
    client: end('client'),
    server: end('server'),
    close() {
      if (closed) return;
      closed = true;
      for (const listener of [...closeListeners]) listener();
    },
  };
}
