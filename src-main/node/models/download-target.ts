import { plural } from '../../common/plural';
import { formatBytes } from '../../common/byte-format';
import { resolveUrl } from './catalog';
import { ModelDownloadError } from './download-error';
import type { DownloadRequest } from './download-types';
import type { FetchFunction } from './redirects';
import { headRemoteFile, lookUpInTreeApi } from './remote-file-info';
import { checkUrl, type UrlPolicy } from './url-policy';

/** Exactly which bytes a download must end up with. */
export interface DownloadTarget {
  url: URL;
  /** The whole file's size; `null` only when neither the catalog nor the server says. */
  totalBytes: number | null;
  /** Lower-case hex SHA-256 the finished file must have. */
  sha256: string;
}

export interface TargetContext {
  fetchFn: FetchFunction;
  hubBaseUrl: string;
  policy: UrlPolicy;
  signal: AbortSignal;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Settles the size and SHA-256 to download against: the catalog's pinned values, checked against what the Hub
 * reports now (a HEAD on the resolve URL), falling back to the Hub's tree API for the hash. A pinned value always
 * wins, and a Hub that disagrees with it is refused: the pin exists to catch a replaced upstream file.
 * @throws ModelDownloadError `UPSTREAM_CHANGED`, `NO_CHECKSUM`, `INVALID_REQUEST`, or whatever the HEAD throws.
 */
export async function resolveDownloadTarget(request: DownloadRequest, context: TargetContext): Promise<DownloadTarget> {
  const pinnedSha = request.sha256?.toLowerCase() ?? null;
  if (pinnedSha !== null && !SHA256_HEX.test(pinnedSha)) {
    throw new ModelDownloadError('INVALID_REQUEST', `The pinned SHA-256 for ${request.file} is not a SHA-256.`, {
      resumable: false,
    });
  }
  const url = checkUrl(resolveUrl(request, context.hubBaseUrl), context.policy);
  const remote = await headRemoteFile(context.fetchFn, url, context.policy, context.signal);

  if (pinnedSha !== null && remote.sha256 !== null && remote.sha256 !== pinnedSha) {
    throw upstreamChanged(request, `its SHA-256 is now ${remote.sha256}, not the pinned ${pinnedSha}`);
  }
  if (request.sizeBytes !== null && remote.size !== null && remote.size !== request.sizeBytes) {
    throw upstreamChanged(
      request,
      `it is now ${formatBytes(remote.size)} (${plural(remote.size, 'byte')}), not the pinned ${plural(request.sizeBytes, 'byte')}`,
    );
  }
  let sha256 = pinnedSha ?? remote.sha256;
  let totalBytes = request.sizeBytes ?? remote.size;
  if (sha256 === null) {
    const { fetchFn, hubBaseUrl, policy, signal } = context;
    const listed = await lookUpInTreeApi(fetchFn, request, hubBaseUrl, policy, signal).catch((error: unknown) => {
      if (signal.aborted) throw error;
      return null; // not the Hub, or the listing is unavailable: reported as NO_CHECKSUM below
    });
    sha256 = listed?.sha256 ?? null;
    totalBytes ??= listed?.size ?? null;
  }
  if (sha256 === null) {
    throw new ModelDownloadError(
      'NO_CHECKSUM',
      `Cannot verify ${request.file}: neither the model catalog nor ${url.host} gives its SHA-256, ` +
        'so the download was not started.',
      { resumable: false },
    );
  }
  return { url, totalBytes, sha256 };
}

function upstreamChanged(request: DownloadRequest, detail: string): ModelDownloadError {
  return new ModelDownloadError(
    'UPSTREAM_CHANGED',
    `${request.file} on ${request.repo} is not the file Phi Desk expects: ${detail}. The download was refused; ` +
      'an app update may be needed.',
    { resumable: false },
  );
}
