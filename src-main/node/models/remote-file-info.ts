import { posix } from 'node:path';
import { treeApiUrl } from './catalog';
import { ModelDownloadError } from './download-error';
import type { DownloadRequest } from './download-types';
import { discardBody, fetchFollowingRedirects, type FetchFunction } from './redirects';
import { checkUrl, type UrlPolicy } from './url-policy';

/** What the server says about a file before we download it. */
export interface RemoteFileInfo {
  /** Size in bytes, if the server says. */
  size: number | null;
  /** Lower-case hex SHA-256, if the server says. */
  sha256: string | null;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * HEADs the resolve URL for the file's size and SHA-256. For an LFS file Hugging Face answers with a redirect to
 * its CDN that carries `x-linked-size` and `x-linked-etag` (the quoted SHA-256); the CDN's own answer does not, so
 * redirects are followed by hand and the first response carrying those headers wins. A plain file, or a server
 * that is not the Hub, answers 200 with `content-length` (and maybe a SHA-256 ETag).
 * @throws ModelDownloadError `NOT_FOUND`, `ACCESS_DENIED`, `HTTP_ERROR`, `NETWORK` or `INSECURE_URL`.
 */
export async function headRemoteFile(
  fetchFn: FetchFunction,
  url: URL,
  policy: UrlPolicy,
  signal: AbortSignal,
): Promise<RemoteFileInfo> {
  const { response } = await fetchFollowingRedirects(
    fetchFn,
    url,
    { method: 'HEAD', signal, headers: { 'accept-encoding': 'identity' } },
    { policy, stopAt: (hop) => hop.headers.has('x-linked-etag') || hop.headers.has('x-linked-size') },
  );
  await discardBody(response);
  const isRedirect = response.status >= 300 && response.status < 400;
  if (!response.ok && !isRedirect) throw httpStatusError(response, url);
  const linkedSize = parseSize(response.headers.get('x-linked-size'));
  const size = linkedSize ?? (response.ok ? parseSize(response.headers.get('content-length')) : null);
  const sha256 = parseSha256(response.headers.get('x-linked-etag')) ?? parseSha256(response.headers.get('etag'));
  return { size, sha256 };
}

/**
 * Looks the file up in the Hub's tree API (`/api/models/<repo>/tree/<revision>`), whose LFS entries carry the
 * SHA-256 as `lfs.oid` (`lfs.sha256` in the older `?blobs=true` model listing). Used only when neither the catalog
 * nor the HEAD gave a hash. Returns nulls when the listing has no LFS entry for the file.
 */
export async function lookUpInTreeApi(
  fetchFn: FetchFunction,
  request: DownloadRequest,
  hubBaseUrl: string,
  policy: UrlPolicy,
  signal: AbortSignal,
): Promise<RemoteFileInfo> {
  const folder = posix.dirname(request.file);
  const base = treeApiUrl(request, hubBaseUrl);
  const folderPath = folder.split('/').map(encodeURIComponent).join('/');
  const url = checkUrl(folder === '.' ? base : `${base}/${folderPath}`, policy);
  const init = { signal, headers: { accept: 'application/json' } };
  const { response } = await fetchFollowingRedirects(fetchFn, url, init, { policy });
  if (!response.ok) {
    await discardBody(response);
    throw httpStatusError(response, url);
  }
  let listing: unknown;
  try {
    listing = await response.json();
  } catch (error) {
    throw new ModelDownloadError('HTTP_ERROR', `The Hub's file listing for ${request.repo} is not valid JSON.`, {
      cause: error,
      resumable: false,
    });
  }
  const entry = Array.isArray(listing)
    ? (listing as unknown[]).find((item): item is TreeEntry => isTreeEntry(item) && item.path === request.file)
    : undefined;
  return {
    size: typeof entry?.lfs?.size === 'number' ? entry.lfs.size : null,
    sha256: parseSha256(entry?.lfs?.oid ?? entry?.lfs?.sha256 ?? null),
  };
}

interface TreeEntry {
  path: string;
  lfs?: { oid?: string; sha256?: string; size?: number };
}

function isTreeEntry(value: unknown): value is TreeEntry {
  return typeof value === 'object' && value !== null && typeof (value as { path?: unknown }).path === 'string';
}

/** An ETag-style header as a SHA-256, if it is one: `"abc…"` or `W/"abc…"` → `abc…`. */
export function parseSha256(header: string | null): string | null {
  if (!header) return null;
  const value = header
    .trim()
    .replace(/^W\//i, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return SHA256_HEX.test(value) ? value : null;
}

function parseSize(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  const size = Number(header);
  return Number.isSafeInteger(size) ? size : null;
}

/** The error for a non-success HTTP status, with the code and wording a user can act on. */
export function httpStatusError(response: Response, url: URL): ModelDownloadError {
  const status = response.status;
  const where = `${url.host}${url.pathname}`;
  if (status === 404 || status === 410) {
    const message = `The model file was not found on the server (HTTP ${status}): ${where}`;
    return new ModelDownloadError('NOT_FOUND', message, { resumable: false });
  }
  if (status === 401 || status === 403) {
    return new ModelDownloadError(
      'ACCESS_DENIED',
      `The server refused access to the model file (HTTP ${status}): ${where}. The repository may require signing in.`,
      { resumable: false },
    );
  }
  // Busy or failing servers get better; the part file stays for a later resume.
  const transient = status === 408 || status === 429 || status >= 500;
  return new ModelDownloadError('HTTP_ERROR', `The server answered HTTP ${status} for ${where}.`, {
    resumable: transient,
  });
}
