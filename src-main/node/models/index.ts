/**
 * The model manager's service layer: the Phi-2 catalog; a downloader with pause/resume (also across restarts),
 * disk-space check, SHA-256 verification and atomic install; and the memory check to run before loading a model.
 * Import from here; the other files are internals.
 */
export {
  PHI2_CATALOG,
  defaultCatalogEntry,
  findCatalogEntry,
  resolveUrl,
  type ModelCatalogEntry,
  type Phi2Quantization,
} from './catalog';
export type { FreeBytesFunction } from './disk-space';
export { ModelDownloadError } from './download-error';
export type {
  DownloadErrorCode,
  DownloadErrorInfo,
  DownloadRequest,
  DownloadState,
  DownloadStatus,
} from './download-types';
export { ModelDownloader, type ModelDownloaderOptions } from './downloader';
export type { FetchFunction } from './redirects';
export {
  availableMemoryBytes,
  checkModelMemory,
  estimateModelMemory,
  type MemoryCheck,
  type MemoryCheckOptions,
  type MemoryEstimate,
  type ModelShape,
} from './model-memory';
export { modelShape } from './model-shape';
