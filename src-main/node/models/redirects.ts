import { ModelDownloadError } from './download-error';
import { checkUrl, type UrlPolicy } from './url-policy';

/** The `fetch` the downloader uses; injectable so tests can observe or fake the network. */
export type FetchFunction = typeof fetch;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** A response together with the URL that produced it. */
export interface FetchedResponse {
  response: Response;
  url: URL;
}

export interface RedirectOptions {
  policy: UrlPolicy;
  /**
   * Called with every response, redirects included, before it is followed; return `true` to stop there. The HEAD
   * uses it to read Hugging Face's `x-linked-*` headers, which only the first response (the Hub, not the CDN it
   * redirects to) carries.
   */
  stopAt?: (response: Response) => boolean;
}

/**
 * `fetch` that follows redirects itself so that every hop is checked against the URL policy (fetch's own
 * `redirect: 'follow'` would happily follow an HTTPS → HTTP redirect) and so callers can stop at a given hop.
 * The `Range` header and method are kept across hops (HEAD stays HEAD; a 303 turns a GET's body-less request
 * into a GET, which is what we send anyway).
 * @throws ModelDownloadError `INSECURE_URL` for a disallowed hop, `HTTP_ERROR` for a redirect loop or a redirect
 * without a location; `NETWORK` when the server cannot be reached.
 */
export async function fetchFollowingRedirects(
  fetchFn: FetchFunction,
  start: URL,
  init: RequestInit,
  options: RedirectOptions,
): Promise<FetchedResponse> {
  let url = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetchOrNetworkError(fetchFn, url, { ...init, redirect: 'manual' });
    if (options.stopAt?.(response) || !REDIRECT_STATUSES.has(response.status)) return { response, url };
    const location = response.headers.get('location');
    await discardBody(response);
    if (!location) {
      const message = `The server redirected without saying where (HTTP ${response.status}).`;
      throw new ModelDownloadError('HTTP_ERROR', message, { resumable: true });
    }
    url = checkUrl(location, options.policy, url);
  }
  throw new ModelDownloadError('HTTP_ERROR', `Too many redirects while downloading from ${start.host}.`, {
    resumable: false,
  });
}

async function fetchOrNetworkError(fetchFn: FetchFunction, url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error; // a pause or cancel, not a network failure
    throw new ModelDownloadError('NETWORK', `Cannot reach ${url.host}: ${describeNetworkError(error)}.`, {
      cause: error,
    });
  }
}

/** Frees the connection of a response whose body we do not want. */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already closed or errored: nothing left to free
  }
}

/**
 * A short reason for a failed fetch or body read. Node's fetch says only "fetch failed" or "terminated" and puts the
 * useful part (ECONNREFUSED, ENOTFOUND, a certificate error, "other side closed") in `cause`.
 */
export function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(code && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
