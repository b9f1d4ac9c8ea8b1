import { formatBytes } from '../../common/byte-format';
import { ModelDownloadError } from './download-error';
import { httpStatusError } from './remote-file-info';
import type { PartWriter } from './part-writer';
import { describeNetworkError, discardBody, fetchFollowingRedirects, type FetchFunction } from './redirects';
import type { UrlPolicy } from './url-policy';

/** One GET of the file's remaining bytes into a part file. */
export interface TransferOptions {
  fetchFn: FetchFunction;
  url: URL;
  policy: UrlPolicy;
  writer: PartWriter;
  /** The whole file's size, from the HEAD or the catalog; `null` when nobody said. */
  totalBytes: number | null;
  /** Pause and cancel. */
  signal: AbortSignal;
  /** A transfer that receives nothing for this long is abandoned as a network error. */
  stallTimeoutMs: number;
  /** Called after every chunk is accepted, with its size. */
  onBytes: (bytes: number) => void;
  /** Called when the server ignored or could not honour our Range request and the part starts over from zero. */
  onRestart: () => void;
}

/**
 * Requests the bytes after `writer.position` (`Range: bytes=N-`) and streams them into the writer. A 206 continues
 * the part; a 200 means the server ignored the range and sends everything, so the part starts over with that body;
 * a 206 from the wrong offset, or a 416 when N is not the full size, means the part is stale: it starts over with
 * a second, unranged request. Resolves when the body ends with the file complete.
 * @throws ModelDownloadError `NETWORK` for a cut, stalled or short transfer (the writer keeps every byte received),
 * `SIZE_MISMATCH` when the server sends more than announced, HTTP errors as `httpStatusError` maps them; the
 * signal's reason when aborted.
 */
export async function transferRemainingBytes(options: TransferOptions): Promise<void> {
  // Two rounds at most: a ranged request, then (if the server could not honour it) one from zero.
  for (let round = 0; round < 2; round++) {
    const outcome = await requestAndStream(options);
    if (outcome === 'complete') return;
    await options.writer.restart();
    options.onRestart();
  }
  throw new ModelDownloadError(
    'HTTP_ERROR',
    `${options.url.host} keeps sending a different part of the file than the one asked for.`,
    { resumable: false },
  );
}

async function requestAndStream(options: TransferOptions): Promise<'complete' | 'restart'> {
  const { writer, totalBytes } = options;
  const offset = writer.position;
  if (totalBytes !== null && offset === totalBytes) return 'complete';

  // Stall detection aborts just this request; pause/cancel come in through options.signal.
  const stall = new AbortController();
  const signal = AbortSignal.any([options.signal, stall.signal]);
  let timer = setTimeout(() => stall.abort(), options.stallTimeoutMs);
  const feedWatchdog = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), options.stallTimeoutMs);
  };

  try {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const { response, url } = await fetchFollowingRedirects(options.fetchFn, options.url, { headers, signal }, {
      policy: options.policy,
    });

    if (response.status === 416) {
      await discardBody(response);
      const reported = parseContentRangeTotal(response.headers.get('content-range'));
      if (offset > 0 && offset === (totalBytes ?? reported)) return 'complete';
      return 'restart'; // the part is longer than the file: it belongs to some other version
    }
    if (!response.ok) {
      await discardBody(response);
      throw httpStatusError(response, url);
    }
    let expectedEnd = totalBytes;
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (!range || range.start !== offset) {
        await discardBody(response);
        return 'restart';
      }
      if (range.total !== null) expectedEnd = checkTotal(range.total, totalBytes, options.url);
    } else {
      if (offset > 0) {
        // 200 to a ranged request: the server ignored the range and sends the whole file from byte 0. Use it.
        await writer.restart();
        options.onRestart();
      }
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isSafeInteger(length)) expectedEnd = checkTotal(length, totalBytes, options.url);
    }
    await streamBody(response, options, expectedEnd, signal, feedWatchdog);
    return 'complete';
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (stall.signal.aborted) {
      throw new ModelDownloadError(
        'NETWORK',
        `The download stalled: nothing arrived for ${formatSeconds(options.stallTimeoutMs)} ` +
          `(${formatBytes(writer.position)} received so far).`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function streamBody(
  response: Response,
  options: TransferOptions,
  expectedEnd: number | null,
  signal: AbortSignal,
  onChunk: () => void,
): Promise<void> {
  const { writer } = options;
  if (!response.body) throw new ModelDownloadError('NETWORK', 'The server sent no data.');
  const reader = response.body.getReader();
  const cancelOnAbort = (): void => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancelOnAbort, { once: true });
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) throw error;
        throw new ModelDownloadError(
          'NETWORK',
          `The connection was interrupted after ${describeProgress(writer.position, expectedEnd)}: ` +
            `${describeNetworkError(error)}.`,
          { cause: error },
        );
      }
      if (chunk.done) break;
      if (signal.aborted) throw signal.reason;
      onChunk();
      if (expectedEnd !== null && writer.position + chunk.value.length > expectedEnd) {
        throw new ModelDownloadError(
          'SIZE_MISMATCH',
          `The server sent more data than the ${formatBytes(expectedEnd)} it announced for ${options.url.pathname}.`,
          { resumable: false },
        );
      }
      await writer.write(chunk.value);
      options.onBytes(chunk.value.length);
    }
  } finally {
    signal.removeEventListener('abort', cancelOnAbort);
  }
  if (signal.aborted) throw signal.reason;
  if (expectedEnd !== null && writer.position < expectedEnd) {
    throw new ModelDownloadError(
      'NETWORK',
      `The connection closed early, after ${describeProgress(writer.position, expectedEnd)}.`,
    );
  }
}

/** A length the server announces must match what the HEAD or the catalog said, or we would verify the wrong file. */
function checkTotal(announced: number, expected: number | null, url: URL): number {
  if (expected !== null && announced !== expected) {
    throw new ModelDownloadError(
      'SIZE_MISMATCH',
      `The server is sending a ${formatBytes(announced)} file for ${url.pathname}, not the expected ` +
        `${formatBytes(expected)}.`,
      { resumable: false },
    );
  }
  return announced;
}

function describeProgress(done: number, total: number | null): string {
  return total === null ? formatBytes(done) : `${formatBytes(done)} of ${formatBytes(total)}`;
}

/** `bytes 100-199/1000` → `{ start: 100, total: 1000 }` (`total` null for `/*`). */
export function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = header?.match(/^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i);
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

/** The total of a 416's `bytes *\/1000`. */
function parseContentRangeTotal(header: string | null): number | null {
  const match = header?.match(/^bytes\s+\*\/(\d+)$/i);
  return match ? Number(match[1]) : null;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
