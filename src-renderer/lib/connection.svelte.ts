import { createContext } from 'svelte';
import type { RendererTransport } from './transport';

/** Where the page's link to the app stands. `refused`: it never opened (a wrong token, or the host is gone). */
export type ConnectionStatus = 'connecting' | 'open' | 'closed' | 'refused';

/** The state of the transport, for the "Disconnected" banner. */
export class ConnectionState {
  status = $state<ConnectionStatus>('connecting');

  constructor(transport: RendererTransport) {
    transport.onOpen(() => {
      if (this.status === 'connecting') this.status = 'open';
    });
    transport.onClose(({ everOpened }) => {
      this.status = everOpened ? 'closed' : 'refused';
    });
  }

  get lost(): boolean {
    return this.status === 'closed' || this.status === 'refused';
  }
}

/** The window's connection state, shared through context. */
export const [getConnection, setConnection] = createContext<ConnectionState>();
