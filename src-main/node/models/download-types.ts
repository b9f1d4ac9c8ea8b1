import type { ModelCatalogEntry } from './catalog';

/**
 * Where a download is in its life:
 * - `queued`: waiting for a free slot (downloads run one at a time by default);
 * - `downloading`: asking the server, rehashing a resumed part, or receiving bytes;
 * - `paused`: stopped by the user (or found on disk after a restart); `resume` continues from the part file;
 * - `verifying`: all bytes are in; checking size, checksum and GGUF header, then moving the file into place;
 * - `done`: the model is at `path`, verified;
 * - `error`: stopped by a failure; `error.resumable` says whether `resume` can continue from the part file;
 * - `cancelled`: stopped by the user; the part file is gone.
 */
export type DownloadState = 'queued' | 'downloading' | 'paused' | 'verifying' | 'done' | 'error' | 'cancelled';

/** States in which a download holds a slot or is waiting for one. */
export const ACTIVE_STATES: ReadonlySet<DownloadState> = new Set(['queued', 'downloading', 'verifying']);

/** What went wrong, as a code a UI can branch on (the message is for people). */
export type DownloadErrorCode =
  /** The server has no such file (HTTP 404/410). */
  | 'NOT_FOUND'
  /** The server refused access (HTTP 401/403), e.g. a gated repository. */
  | 'ACCESS_DENIED'
  /** Any other unexpected HTTP status. */
  | 'HTTP_ERROR'
  /** No connection, a connection cut mid-file, or a stalled transfer. The part file is kept. */
  | 'NETWORK'
  /** A URL (or a redirect) that is not HTTPS. */
  | 'INSECURE_URL'
  /** Not enough free disk space to finish; refused before any byte is written. */
  | 'INSUFFICIENT_SPACE'
  /** Neither the catalog nor the server gives a SHA-256 to verify the file against. */
  | 'NO_CHECKSUM'
  /** The server reports a different hash or size than the one pinned in the catalog. */
  | 'UPSTREAM_CHANGED'
  /** The server sent more or fewer bytes than it announced. */
  | 'SIZE_MISMATCH'
  /** The downloaded bytes do not hash to the expected SHA-256. The part file is deleted. */
  | 'CHECKSUM_MISMATCH'
  /** The verified file is not a usable GGUF model. */
  | 'INVALID_MODEL'
  /** Reading or writing the models folder failed. */
  | 'FILESYSTEM'
  /** The request itself is unusable (e.g. a file name with folders in it). */
  | 'INVALID_REQUEST';

/** A failure as the status reports it. */
export interface DownloadErrorInfo {
  code: DownloadErrorCode;
  /** A complete sentence for the user, naming the file and what to do where that helps. */
  message: string;
  /** `resume` continues from the bytes already on disk. */
  resumable: boolean;
}

/** A snapshot of one download. Plain data: safe to send over the contract as is. */
export interface DownloadStatus {
  /** The file name the model is saved under; downloads are keyed by it. */
  id: string;
  /** The resolve URL the download started from. */
  url: string;
  state: DownloadState;
  /** Bytes on disk so far (while `downloading` a resumed part, the rehashed prefix counts too). */
  bytesDone: number;
  /** Size of the whole file, once known. */
  totalBytes: number | null;
  /** Smoothed transfer rate while bytes are flowing; `null` before the first measurement. */
  bytesPerSecond: number | null;
  /** Estimated seconds left at the smoothed rate; `null` when unknown. */
  etaSeconds: number | null;
  /** The SHA-256 the file is verified against, once known. */
  sha256: string | null;
  /** Absolute path of the finished model (`done` only). */
  path: string | null;
  error: DownloadErrorInfo | null;
}

/** What to download: a catalog entry, or any file of any Hugging Face repository described the same way. */
export type DownloadRequest = Pick<ModelCatalogEntry, 'repo' | 'revision' | 'file' | 'sizeBytes' | 'sha256'>;
