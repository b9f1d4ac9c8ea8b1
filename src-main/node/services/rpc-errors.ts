import { RpcError } from '../../common/contract';
import type { Message } from '../../common/types';
import { EngineError } from '../engine/port';
import { SecretStoreError } from '../secrets/secret-store';
import type { ConversationStore } from '../store/conversation-store';
import { StoreError } from '../store/store-error';
import type { ConversationRecord } from '../store/store-types';

/**
 * Map a service-side failure to the contract's typed error. Engine and store codes become the wire codes a renderer
 * can act on; anything else passes through (the RPC layer reports it as `INTERNAL`).
 *
 * Store codes: `NOT_FOUND` stays `NOT_FOUND`; `INVALID_INPUT` and `TOO_LARGE` are the caller's mistake
 * (`BAD_REQUEST`, the store's message says which field and which limit); everything else is `STORE_FAILED` with
 * `details.storeCode`, and a locked, damaged or read-only (damaged) database gets a sentence a user can act on.
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
  // An API key that could not be saved (issue 15): a storage failure, in words naming the file.
  if (error instanceof SecretStoreError) return new RpcError('STORE_FAILED', error.message);
  if (error instanceof StoreError) {
    switch (error.code) {
      case 'NOT_FOUND':
        return new RpcError('NOT_FOUND', error.message);
      case 'INVALID_INPUT':
      case 'TOO_LARGE':
        return new RpcError('BAD_REQUEST', error.message, { storeCode: error.code });
      default:
        return new RpcError('STORE_FAILED', storeFailureMessage(error), { storeCode: error.code });
    }
  }
  return error;
}

/** A sentence for the user about a store failure, with the store's own message (file, operation) after it. */
export function storeFailureMessage(error: StoreError): string {
  switch (error.code) {
    case 'DB_LOCKED':
      return `The conversation database is in use by another program (another running copy of Phi Desk?). Close it and try again. (${error.message})`;
    case 'DB_CORRUPT':
      return `The conversation database is damaged: this part of it cannot be read. Phi Desk now keeps it read-only; export what you need, then quit and start Phi Desk again to restore the newest backup and copy into it what can still be read. (${error.message})`;
    case 'DB_READ_ONLY':
      return `The conversation database is damaged, so Phi Desk keeps it read-only and could not save this. Export what you need, then quit and start Phi Desk again to restore the newest backup and copy into it what can still be read. (${error.message})`;
    case 'DB_FULL':
      return `The disk is full: free some space and try again. (${error.message})`;
    case 'DB_TOO_NEW':
      return `The conversation database was written by a newer version of Phi Desk; update the app to open it. (${error.message})`;
    default:
      return error.message;
  }
}

type RecordReader = Pick<ConversationStore, 'getConversation' | 'getMessage'>;

/** The conversation, or `NOT_FOUND` in words (it was deleted, e.g. in another window). */
export function requireConversation(store: RecordReader, id: string): ConversationRecord {
  const conversation = store.getConversation(id);
  if (!conversation) throw new RpcError('NOT_FOUND', 'That conversation no longer exists.');
  return conversation;
}

/** The message, or `NOT_FOUND` in words (also when its conversation was deleted: it is marked, not gone yet). */
export function requireMessage(store: RecordReader, id: string): Message {
  const message = store.getMessage(id);
  if (!message || !store.getConversation(message.conversationId)) {
    throw new RpcError('NOT_FOUND', 'That message no longer exists.');
  }
  return message;
}
