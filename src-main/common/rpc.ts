import * as v from 'valibot';
import { ERROR_CODES, RpcError, type ErrorCode } from './contract';
import { formatBytes } from './byte-format';
import { Emitter } from './emitter';
import { describeIssues, excerpt } from './issues';

/**
 * The RPC core: requests with ids, typed errors, cancellation and per-request event streams, over any transport
 * that can send and receive plain structured-clone-safe values. It knows no contract: each link passes its own in
 * (its methods' types, and the schemas its server parses params with). Two links use it: the renderer and the host
 * (the app contract, `app-rpc.ts`, over Electron IPC, a WebSocket or an in-memory pair) and the host and its engine
 * process (`EngineContract`, over the process's IPC channel).
 *
 * Wire messages (protocol 1):
 *   client → server  {t:'req', id, method, params}   {t:'cancel', id}
 *   server → client  {t:'res', id, ok:true, result}  {t:'res', id, ok:false, error:{code,message,details?}}
 *                    {t:'evt', id, event}            {t:'push', event}
 *                    {t:'err', error}  (a message that could not be tied to a request)
 */

/** Two functions and an optional close signal: all the RPC layer needs from a channel. */
export interface Transport {
  send(message: unknown): void;
  /** Subscribe to incoming messages; returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Subscribe to the channel closing for good (socket closed, window gone); returns an unsubscribe function. */
  onClose?(listener: () => void): () => void;
}

/**
 * What a transport hands the RPC server in place of a message too large to read (it is never parsed: reading it is
 * the cost to avoid). The server answers it with a typed `BAD_REQUEST` (`details.reason: 'TOO_LARGE'`) carrying the
 * request's id when the transport could read one, and the connection stays open. A class instance, so no peer can
 * forge one through JSON.
 */
export class OversizeMessage {
  constructor(
    /** The message's size in bytes. */
    readonly bytes: number,
    /** The most the transport reads, in bytes. */
    readonly limit: number,
    /** The request id, read from the start of the message; `null` when it is not where a request has it. */
    readonly id: number | null,
  ) {}
}

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The largest request id accepted; ids are positive safe integers. */
const RequestId = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));

const ClientMessage = v.variant('t', [
  v.object({ t: v.literal('req'), id: RequestId, method: v.string(), params: v.optional(v.unknown()) }),
  v.object({ t: v.literal('cancel'), id: RequestId }),
]);

const WireErrorSchema = v.object({
  code: v.picklist(ERROR_CODES),
  message: v.string(),
  details: v.optional(v.unknown()),
});

const ServerMessage = v.variant('t', [
  v.object({ t: v.literal('res'), id: RequestId, ok: v.literal(true), result: v.unknown() }),
  v.object({ t: v.literal('res'), id: RequestId, ok: v.literal(false), error: WireErrorSchema }),
  v.object({ t: v.literal('evt'), id: RequestId, event: v.unknown() }),
  v.object({ t: v.literal('push'), event: v.unknown() }),
  v.object({ t: v.literal('err'), error: WireErrorSchema }),
]);

function toWireError(error: unknown): WireError {
  if (error instanceof RpcError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  // Never leak stacks across the boundary; the message is enough to report a bug.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Internal error: ${message}` };
}

function oversizeError({ bytes, limit }: OversizeMessage, hint: string | undefined): WireError {
  return {
    code: 'BAD_REQUEST',
    message: `This request is ${formatBytes(bytes)}, more than the ${formatBytes(limit)} the app reads at once${hint ? `: ${hint}` : ''}.`,
    details: { reason: 'TOO_LARGE', bytes, limit },
  };
}

function fromWireError(error: WireError): RpcError {
  return new RpcError(error.code, error.message, error.details);
}

// ---------------------------------------------------------------------------------------------------------------
// Contracts

/**
 * One method of a contract: its params as the handler receives them (parsed), as a caller may pass them (`input`,
 * when parsing fills in defaults; else the same), its result, and the events it streams while it runs (`never`: none).
 */
export interface MethodSpec {
  params: unknown;
  input?: unknown;
  result: unknown;
  events: unknown;
}

/** A contract's types: its methods by name, and the events its server pushes unasked. */
export interface RpcContract {
  methods: Record<string, MethodSpec>;
  push: unknown;
}

export type MethodOf<C extends RpcContract> = keyof C['methods'] & string;
export type ParamsOf<C extends RpcContract, K extends MethodOf<C>> = C['methods'][K]['params'];
export type InputOf<C extends RpcContract, K extends MethodOf<C>> = C['methods'][K] extends { input: infer I }
  ? I
  : ParamsOf<C, K>;
export type ResultOf<C extends RpcContract, K extends MethodOf<C>> = C['methods'][K]['result'];
export type EventOf<C extends RpcContract, K extends MethodOf<C>> = C['methods'][K]['events'];

/**
 * A contract's runtime half. The server parses every request's params with `params` before a handler runs (its
 * peer may be untrusted). A client whose server is a separate program of ours (the engine process) may also check
 * what comes back: a stream or push event that fails its schema is reported as a protocol error and never reaches
 * the caller; a result that fails is reported too, and the call rejects with `INTERNAL`.
 */
export interface ContractSchemas<C extends RpcContract> {
  readonly params: { readonly [K in MethodOf<C>]: v.GenericSchema<unknown, ParamsOf<C, K>> };
  readonly results?: { readonly [K in MethodOf<C>]?: v.GenericSchema<unknown, ResultOf<C, K>> };
  readonly events?: { readonly [K in MethodOf<C>]?: v.GenericSchema<unknown, EventOf<C, K>> };
  readonly push?: v.GenericSchema<unknown, C['push']>;
  /** Said after the size in the answer to an oversized request (what the limit means for this contract). */
  readonly oversizeHint?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Server

/** What a handler gets besides its params. */
export interface HandlerContext<E> {
  /** Aborted when the caller cancels or disconnects. */
  signal: AbortSignal;
  /** Stream an event to the caller of this request. */
  emit(event: E): void;
}

export type ContractHandler<C extends RpcContract, K extends MethodOf<C>> = (
  params: ParamsOf<C, K>,
  context: HandlerContext<EventOf<C, K>>,
) => Promise<ResultOf<C, K>> | ResultOf<C, K>;

/** One handler per contract method: the compiler makes sure none is missing. */
export type ContractHandlers<C extends RpcContract> = { [K in MethodOf<C>]: ContractHandler<C, K> };

export interface RpcServer<P = unknown> {
  /** Send a push event to this peer. */
  push(event: P): void;
  /** Abort every request in flight and stop listening. */
  close(): void;
  /** Requests currently running (for tests and diagnostics). */
  readonly inFlight: number;
}

export interface ServeOptions {
  /** Called for handler failures that are not `RpcError`s (bugs), for logging. */
  onInternalError?: (method: string, error: unknown) => void;
  /** The most requests one peer may have running at once; more get `BUSY`. Default 64. */
  maxInFlight?: number;
}

/**
 * Serve `handlers` to one peer over `transport`. Every message is checked against the wire schema and every
 * request's params against the contract's schema before a handler runs; a malformed or oversized message
 * ({@link OversizeMessage}) gets a typed error and the connection stays usable — other requests in flight on it,
 * streams included, go on undisturbed.
 */
export function serveRpc<C extends RpcContract>(
  transport: Transport,
  contract: ContractSchemas<C>,
  handlers: ContractHandlers<C>,
  options: ServeOptions = {},
): RpcServer<C['push']> {
  const maxInFlight = options.maxInFlight ?? 64;
  const running = new Map<number, AbortController>();
  let closed = false;

  const send = (message: unknown): void => {
    if (closed) return;
    try {
      transport.send(message);
    } catch {
      // The peer is gone; the close handler cleans up.
    }
  };
  const reject = (id: number, error: WireError): void => send({ t: 'res', id, ok: false, error });

  const handleRequest = async (id: number, method: string, rawParams: unknown): Promise<void> => {
    if (running.has(id)) {
      reject(id, { code: 'BAD_REQUEST', message: `Request id ${id} is already in use.` });
      return;
    }
    if (!Object.hasOwn(contract.params, method)) {
      reject(id, { code: 'UNKNOWN_METHOD', message: `Unknown method "${excerpt(method)}".` });
      return;
    }
    if (running.size >= maxInFlight) {
      reject(id, { code: 'BUSY', message: 'Too many requests at once.' });
      return;
    }
    const name = method as MethodOf<C>;
    const parsed = v.safeParse(contract.params[name], rawParams ?? {});
    if (!parsed.success) {
      const issues = describeIssues(parsed.issues);
      reject(id, { code: 'BAD_REQUEST', message: `Invalid params for ${name}: ${issues.join('; ')}`, details: issues });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const handler = handlers[name];
    try {
      const answer = handler(parsed.output, {
        signal: controller.signal,
        emit: (event) => {
          if (running.get(id) === controller) send({ t: 'evt', id, event });
        },
      });
      // A handler that answers at once is answered at once: awaiting its plain value would put the answer behind the
      // synchronous work of the requests that arrived with it (a page opening a long conversation sends four at a
      // time, and the one it waits for must not wait for the others).
      const result = isThenable(answer) ? await answer : answer;
      send({ t: 'res', id, ok: true, result: result ?? null });
    } catch (error) {
      if (!(error instanceof RpcError)) {
        if (controller.signal.aborted) {
          reject(id, { code: 'ABORTED', message: 'The request was cancelled.' });
          return;
        }
        options.onInternalError?.(name, error);
      }
      reject(id, toWireError(error));
    } finally {
      running.delete(id);
    }
  };

  const unsubscribe = transport.onMessage((raw) => {
    if (closed) return;
    if (raw instanceof OversizeMessage) {
      const error = oversizeError(raw, contract.oversizeHint);
      if (v.is(RequestId, raw.id) && !running.has(raw.id)) reject(raw.id, error);
      else send({ t: 'err', error });
      return;
    }
    const parsed = v.safeParse(ClientMessage, raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      const error: WireError = { code: 'BAD_REQUEST', message: 'Malformed message: it does not match the protocol.' };
      if (v.is(RequestId, id) && !running.has(id)) reject(id, error);
      else send({ t: 'err', error });
      return;
    }
    const message = parsed.output;
    if (message.t === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    void handleRequest(message.id, message.method, message.params);
  });

  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    unsubscribeClose?.();
    for (const controller of running.values()) controller.abort();
  };
  const unsubscribeClose = transport.onClose?.(close);

  return {
    push: (event) => send({ t: 'push', event }),
    close,
    get inFlight() {
      return running.size;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Client

export interface CallOptions<E> {
  /**
   * Aborting sends a cancel across the wire. The call still settles with the server's answer: a method that
   * keeps partial work (like `chat.send`) resolves with it; others reject with `ABORTED`.
   */
  signal?: AbortSignal;
  /** Receives this request's stream events, in order. */
  onEvent?: (event: E) => void;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: RpcError): void;
  onEvent?: (event: never) => void;
  cleanup(): void;
}

/** What a client checks of its server's answers: see {@link ContractSchemas}. */
export type AnswerSchemas<C extends RpcContract> = Pick<ContractSchemas<C>, 'results' | 'events' | 'push'>;

/** The caller's side: typed calls, push subscriptions, protocol errors surfaced to a listener. */
export class RpcClient<C extends RpcContract> {
  readonly #transport: Transport;
  readonly #answers: AnswerSchemas<C>;
  readonly #pending = new Map<number, Pending>();
  readonly #pushes = new Emitter<C['push']>();
  readonly #protocolErrors = new Emitter<RpcError>();
  readonly #unsubscribe: () => void;
  readonly #unsubscribeClose: (() => void) | undefined;
  #nextId = 1;
  #closed = false;

  /** `answers`: schemas to check the server's results and events with (none: they are taken as they come). */
  constructor(transport: Transport, answers: AnswerSchemas<C> = {}) {
    this.#transport = transport;
    this.#answers = answers;
    this.#unsubscribe = transport.onMessage((raw) => this.#receive(raw));
    this.#unsubscribeClose = transport.onClose?.(() => this.#fail('The connection closed.'));
  }

  /** Call `method` with `params`; resolves with its result or rejects with an `RpcError`. */
  call<K extends MethodOf<C>>(
    method: K,
    params: InputOf<C, K>,
    options: CallOptions<EventOf<C, K>> = {},
  ): Promise<ResultOf<C, K>> {
    if (this.#closed) return Promise.reject(new RpcError('DISCONNECTED', 'The connection is closed.'));
    const id = this.#nextId++;
    return new Promise<ResultOf<C, K>>((resolve, reject) => {
      const { signal } = options;
      const onAbort = (): void => void this.#trySend({ t: 'cancel', id });
      const pending: Pending = {
        method,
        resolve: resolve as (value: unknown) => void,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      if (options.onEvent) pending.onEvent = options.onEvent as (event: never) => void;
      this.#pending.set(id, pending);
      if (!this.#trySend({ t: 'req', id, method, params })) {
        this.#pending.delete(id);
        reject(new RpcError('DISCONNECTED', 'The connection is closed.'));
        return;
      }
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Subscribe to push events; returns an unsubscribe function. */
  onPush(listener: (event: C['push']) => void): () => void {
    return this.#pushes.on(listener);
  }

  /** Subscribe to protocol errors the server could not tie to a request, and answers that fail their schemas. */
  onProtocolError(listener: (error: RpcError) => void): () => void {
    return this.#protocolErrors.on(listener);
  }

  /** Number of calls waiting for an answer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Stop listening; every pending call rejects with `DISCONNECTED` (`reason` is its message). */
  close(reason = 'The client was closed.'): void {
    this.#fail(reason);
  }

  #trySend(message: unknown): boolean {
    try {
      this.#transport.send(message);
      return true;
    } catch {
      return false;
    }
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#unsubscribeClose?.();
    for (const pending of this.#pending.values()) {
      pending.cleanup();
      pending.reject(new RpcError('DISCONNECTED', reason));
    }
    this.#pending.clear();
  }

  #receive(raw: unknown): void {
    const parsed = v.safeParse(ServerMessage, raw);
    if (!parsed.success) {
      this.#emitProtocolError(new RpcError('BAD_REQUEST', 'The server sent a message that does not match the protocol.'));
      return;
    }
    const message = parsed.output;
    switch (message.t) {
      case 'push': {
        if (!this.#passes(this.#answers.push, message.event, 'a push event')) return;
        this.#pushes.emit(message.event as C['push']);
        return;
      }
      case 'err':
        this.#emitProtocolError(fromWireError(message.error));
        return;
      case 'evt': {
        const pending = this.#pending.get(message.id);
        if (!pending?.onEvent) return;
        if (!this.#passes(this.#answers.events?.[pending.method as MethodOf<C>], message.event, `a ${pending.method} event`)) return;
        pending.onEvent(message.event as never);
        return;
      }
      case 'res': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        pending.cleanup();
        if (!message.ok) pending.reject(fromWireError(message.error));
        else if (this.#passes(this.#answers.results?.[pending.method as MethodOf<C>], message.result, `a ${pending.method} result`)) {
          pending.resolve(message.result);
        } else pending.reject(new RpcError('INTERNAL', `The server's answer to ${pending.method} does not match the contract.`));
        return;
      }
    }
  }

  /** Whether `value` passes `schema` (or there is none); if not, says so to the protocol-error listeners. */
  #passes(schema: v.GenericSchema | undefined, value: unknown, what: string): boolean {
    if (!schema) return true;
    const parsed = v.safeParse(schema, value);
    if (parsed.success) return true;
    this.#emitProtocolError(
      new RpcError('BAD_REQUEST', `The server sent ${what} that does not match the contract: ${describeIssues(parsed.issues, 2).join('; ')}`),
    );
    return false;
  }

  #emitProtocolError(error: RpcError): void {
    this.#protocolErrors.emit(error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
