import type { MethodName, Methods, PushEvents } from './contract';
import {
  RpcClient,
  serveRpc,
  type ContractHandler,
  type ContractHandlers,
  type ContractSchemas,
  type RpcServer,
  type ServeOptions,
  type Transport,
} from './rpc';
import { MAX_MESSAGE_LENGTH, schemas, type MethodInput } from './schemas';

/**
 * The app contract (`contract.ts`, `schemas.ts`) as the RPC core takes it: the link between the renderer, which is
 * untrusted, and the main process or browser host.
 */
export interface AppContract {
  methods: { [K in MethodName]: Methods[K] & { input: MethodInput[K] } };
  push: PushEvents;
}

/** Every request's params are parsed with `schemas.ts` before a service sees them. */
export const APP_CONTRACT: ContractSchemas<AppContract> = {
  params: schemas,
  oversizeHint: `a message may have at most ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} characters`,
};

/** The handler of one contract method. */
export type Handler<K extends MethodName> = ContractHandler<AppContract, K>;
/** One handler per contract method. */
export type Handlers = ContractHandlers<AppContract>;
/** The renderer's end of the app link. */
export type AppClient = RpcClient<AppContract>;
/** The host's end of the app link, one per connected window. */
export type AppServer = RpcServer<PushEvents>;

/** Serves the app contract to one window over `transport`. */
export function serveApp(transport: Transport, handlers: Handlers, options: ServeOptions = {}): AppServer {
  return serveRpc(transport, APP_CONTRACT, handlers, options);
}

/** The renderer's client of the app contract (the host is trusted: its answers are not checked again). */
export function connectApp(transport: Transport): AppClient {
  return new RpcClient<AppContract>(transport);
}
