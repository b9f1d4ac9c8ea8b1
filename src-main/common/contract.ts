import type { MethodParams } from './schemas';
import type { AppInfo, Conversation, ConversationDetail, EngineStatus, Message } from './types';

/**
 * The one contract between the renderer and the main process (or browser host). Every method, its params (validated
 * at runtime by `schemas.ts`), its result, and the events it streams while it runs. The renderer sees nothing else.
 *
 * Naming: methods are `area.verb`; per-request stream events and push events are `onXxx`.
 */
export interface Methods {
  /** Facts about the running app: name, version, host kind and the data folder. */
  'app.getInfo': { params: MethodParams['app.getInfo']; result: AppInfo; events: never };

  /** The engine's current status (model, loading progress, errors). Changes are pushed as `onEngineStatus`. */
  'engine.getStatus': { params: MethodParams['engine.getStatus']; result: EngineStatus; events: never };

  /** Every conversation, most recently updated first. */
  'conversations.list': { params: MethodParams['conversations.list']; result: Conversation[]; events: never };

  /** Start an empty conversation (title "New conversation" unless given). */
  'conversations.create': { params: MethodParams['conversations.create']; result: Conversation; events: never };

  /** One conversation and the messages of its current branch, oldest first. Fails with `NOT_FOUND`. */
  'conversations.get': { params: MethodParams['conversations.get']; result: ConversationDetail; events: never };

  /** Rename a conversation. Fails with `NOT_FOUND`. */
  'conversations.rename': { params: MethodParams['conversations.rename']; result: Conversation; events: never };

  /** Delete a conversation and all its messages. Fails with `NOT_FOUND`. */
  'conversations.delete': { params: MethodParams['conversations.delete']; result: null; events: never };

  /**
   * Send a user message and stream the assistant's reply.
   *
   * The user message is committed before generation starts; the assistant message is stored as it streams.
   * Events, in order: one `onStarted`, then `onDelta`s. The call resolves with the final assistant message —
   * also when cancelled (Stop), in which case its status is `stopped` and it keeps the text so far.
   * Fails with `NOT_FOUND`, `NO_MODEL`, `BUSY`, `CONTEXT_OVERFLOW` or `ENGINE_FAILED`.
   */
  'chat.send': { params: MethodParams['chat.send']; result: Message; events: ChatSendEvents };
}

/** Events streamed while `chat.send` runs. */
export type ChatSendEvents =
  | {
      type: 'onStarted';
      /** The stored user message. */
      userMessage: Message;
      /** The assistant message, status `streaming`, empty so far. */
      assistantMessage: Message;
    }
  | {
      type: 'onDelta';
      /** The assistant message id the text belongs to. */
      messageId: string;
      /** New text to append. */
      text: string;
    };

/** Events the main process pushes to every connected renderer, unasked. */
export type PushEvents =
  | { type: 'onEngineStatus'; status: EngineStatus }
  /** A conversation was created, renamed, deleted or got a message (from any window). */
  | { type: 'onConversationsChanged' };

export type MethodName = keyof Methods;
export type ResultOf<K extends MethodName> = Methods[K]['result'];
export type EventOf<K extends MethodName> = Methods[K]['events'];

/**
 * Typed error codes that cross the wire. A caller can switch on them; `message` is for people.
 * - `BAD_REQUEST`: a message or params did not match the contract.
 * - `UNKNOWN_METHOD`: no such method.
 * - `NOT_FOUND`: the conversation or message does not exist.
 * - `NO_MODEL`: no model is loaded.
 * - `BUSY`: the engine is already answering in this conversation.
 * - `CONTEXT_OVERFLOW`: the message does not fit in the model's context window.
 * - `ENGINE_FAILED`: generation or model loading failed.
 * - `STORE_FAILED`: the conversation database could not be read or written.
 * - `ABORTED`: the caller cancelled the request.
 * - `DISCONNECTED`: the connection closed before the answer arrived.
 * - `INTERNAL`: a bug; the message says what failed.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNKNOWN_METHOD'
  | 'NOT_FOUND'
  | 'NO_MODEL'
  | 'BUSY'
  | 'CONTEXT_OVERFLOW'
  | 'ENGINE_FAILED'
  | 'STORE_FAILED'
  | 'ABORTED'
  | 'DISCONNECTED'
  | 'INTERNAL';

export const ERROR_CODES: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  'NO_MODEL',
  'BUSY',
  'CONTEXT_OVERFLOW',
  'ENGINE_FAILED',
  'STORE_FAILED',
  'ABORTED',
  'DISCONNECTED',
  'INTERNAL',
];

/** An error with a contract code. Services throw it; the RPC layer carries it across the wire intact. */
export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Optional detail for callers, e.g. validation issues. JSON-safe. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}
