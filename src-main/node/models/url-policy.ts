import { ModelDownloadError } from './download-error';

/**
 * Which URLs the downloader may contact. Model files are code-adjacent (llama.cpp parses them natively), so every
 * hop must be HTTPS with certificate checks (Node's fetch verifies TLS by default, and nothing here turns that
 * off). Plain HTTP is allowed only to this machine's loopback address, and only when a caller opts in (tests).
 */
export interface UrlPolicy {
  /** Allow `http://127.0.0.1` / `http://[::1]` (tests only). */
  allowLoopbackHttp: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Parses `url` (relative to `base` for redirects) and checks it against the policy.
 * @throws ModelDownloadError `INSECURE_URL` for anything but HTTPS (or opted-in loopback HTTP), or for credentials
 * in the URL.
 */
export function checkUrl(url: string, policy: UrlPolicy, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch (error) {
    throw new ModelDownloadError('INSECURE_URL', `Not a valid download address: ${url}`, { cause: error });
  }
  if (parsed.username || parsed.password) {
    throw new ModelDownloadError('INSECURE_URL', `Refusing a download address with credentials in it: ${parsed.host}`);
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && policy.allowLoopbackHttp && LOOPBACK_HOSTS.has(parsed.hostname)) return parsed;
  throw new ModelDownloadError(
    'INSECURE_URL',
    `Refusing to download over an insecure connection (${parsed.protocol}//${parsed.host}); only HTTPS is allowed.`,
  );
}
