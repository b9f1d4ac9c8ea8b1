import { RpcError } from '../../common/contract';
import { EngineError } from '../engine/port';
import { StoreError } from '../store/store-error';

/**
 * Map a service-side failure to the contract's typed error. Engine and store codes become the wire codes a renderer
 * can act on; anything else passes through (the RPC layer reports it as `INTERNAL`).
 */
export function toRpcError(error: unknown): unknown {
  if (error instanceof RpcError) return error;
  if (error instanceof EngineError) {
    switch (error.code) {
      case 'CONTEXT_OVERFLOW':
        return new RpcError('CONTEXT_OVERFLOW', error.message);
      case 'NO_MODEL':
        return new RpcError('NO_MODEL', error.message);
      default:
        return new RpcError('ENGINE_FAILED', error.message);
    }
  }
  if (error instanceof StoreError) {
    return error.code === 'NOT_FOUND'
      ? new RpcError('NOT_FOUND', error.message)
      : new RpcError('STORE_FAILED', error.message, { storeCode: error.code });
  }
  return error;
}
