import type { Handlers } from '../../common/rpc';
import type { HistoryService } from './history-service';

/** The contract's `history.*` methods. */
export type HistoryHandlers = Pick<Handlers, 'history.export' | 'history.import' | 'history.choosePath'>;

/** Maps the `history.*` methods to the history service (params are already schema-checked by the RPC layer). */
export function historyHandlers(history: HistoryService): HistoryHandlers {
  return {
    'history.export': (params, context) => history.export(params, context),
    'history.import': (params, context) => history.import(params, context),
    'history.choosePath': (params) => history.choosePath(params),
  };
}
