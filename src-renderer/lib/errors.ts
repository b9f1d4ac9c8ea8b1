import { RpcError, type ErrorCode } from '../../src-main/common/contract';

/** An error put into words for the person using the app. */
export interface Notice {
  /** One short sentence: what happened. */
  title: string;
  /** The app's own explanation, when it adds something. */
  detail: string | null;
  code: ErrorCode | null;
}

const TITLES: Record<ErrorCode, string> = {
  NO_MODEL: 'No model is loaded',
  BUSY: 'Phi Desk is already answering in this conversation',
  CONTEXT_OVERFLOW: 'That message is too long for the model',
  ENGINE_FAILED: 'The model failed to answer',
  NOT_FOUND: 'That conversation no longer exists',
  STORE_FAILED: 'Your conversations could not be read or saved',
  BAD_REQUEST: 'That request was not accepted',
  UNKNOWN_METHOD: 'This window and the app are out of step; reload the window',
  ABORTED: 'Cancelled',
  DISCONNECTED: 'Disconnected from Phi Desk — reload to reconnect',
  INTERNAL: 'Something went wrong inside Phi Desk',
};

/** Turn anything thrown by an RPC call into a readable notice. */
export function describeError(error: unknown): Notice {
  if (error instanceof RpcError) {
    const title = TITLES[error.code];
    const detail = error.message && !sameText(error.message, title) ? error.message : null;
    return { title, detail, code: error.code };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { title: TITLES.INTERNAL, detail: message || null, code: null };
}

/** Whether the error only says the caller cancelled (nothing to show). */
export function isCancellation(error: unknown): boolean {
  return error instanceof RpcError && error.code === 'ABORTED';
}

function sameText(a: string, b: string): boolean {
  const normalize = (text: string): string => text.trim().replace(/[.!]+$/, '').toLowerCase();
  return normalize(a) === normalize(b);
}
