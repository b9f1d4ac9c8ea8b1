import type { DownloadErrorCode, DownloadErrorInfo } from './download-types';

/** Codes whose failures leave a part file that a later `resume` can continue. */
const RESUMABLE: ReadonlySet<DownloadErrorCode> = new Set(['NETWORK', 'HTTP_ERROR', 'FILESYSTEM']);

/** A download failure with a code and a message meant for the user. */
export class ModelDownloadError extends Error {
  readonly resumable: boolean;

  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    options?: { cause?: unknown; resumable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelDownloadError';
    this.resumable = options?.resumable ?? RESUMABLE.has(code);
  }

  /** The plain-data form the status carries. */
  toInfo(): DownloadErrorInfo {
    return { code: this.code, message: this.message, resumable: this.resumable };
  }
}

/** Any thrown value as a `ModelDownloadError` (unknown failures become `fallback`, keeping the cause). */
export function toDownloadError(error: unknown, fallback: DownloadErrorCode, context: string): ModelDownloadError {
  if (error instanceof ModelDownloadError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ModelDownloadError(fallback, `${context}: ${detail}`, { cause: error });
}
