import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A stand-in for Hugging Face on 127.0.0.1, shaped like the real thing: `/<repo>/resolve/main/<file>` answers
 * 302 to a "CDN" path, and only that first response carries `x-linked-etag` (the quoted SHA-256) and
 * `x-linked-size`; the CDN serves the bytes with Range support; `/api/models/<repo>/tree/main` lists the LFS
 * hashes. Faults can be switched on per test.
 */

export const REPO = 'TheBloke/phi-2-GGUF';

export interface ServerFaults {
  /** Answer 404 to everything. */
  notFound: boolean;
  /** Leave `x-linked-etag` / `x-linked-size` off the resolve redirect. */
  omitLinkedHeaders: boolean;
  /** Answer 404 to the tree API. */
  noTreeApi: boolean;
  /** Ignore Range headers: always 200 with the whole file. */
  ignoreRange: boolean;
  /** Destroy the socket once the body reaches this file offset; cleared after it fires. */
  cutAtOffset: number | null;
  /** Flip this byte of the file in every response. */
  corruptByteAt: number | null;
  /** Send the body in chunks of this size with a pause between them (null = all at once). */
  throttle: { chunkBytes: number; delayMs: number } | null;
  /** Stop sending at this file offset but keep the connection open (a stalled transfer). */
  stallAtOffset: number | null;
  /** Make the resolve redirect point here instead of the CDN path. */
  redirectTo: string | null;
}

/** One request the server saw. */
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | null;
  status: number;
}

export interface ModelServer {
  /** `http://127.0.0.1:<port>`: the downloader's `hubBaseUrl`. */
  readonly baseUrl: string;
  readonly faults: ServerFaults;
  readonly log: LoggedRequest[];
  /** Puts a file in the repository. */
  addFile(name: string, bytes: Buffer): void;
  close(): Promise<void>;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function noFaults(): ServerFaults {
  return {
    notFound: false,
    omitLinkedHeaders: false,
    noTreeApi: false,
    ignoreRange: false,
    cutAtOffset: null,
    corruptByteAt: null,
    throttle: null,
    stallAtOffset: null,
    redirectTo: null,
  };
}

export async function startModelServer(): Promise<ModelServer> {
  const files = new Map<string, Buffer>();
  const faults = noFaults();
  const log: LoggedRequest[] = [];
  const resolvePrefix = `/${REPO}/resolve/main/`;

  const server = http.createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const entry: LoggedRequest = { method: request.method ?? '', path, range: request.headers.range ?? null, status: 0 };
    log.push(entry);
    const reply = (status: number, headers: http.OutgoingHttpHeaders = {}, body?: string): void => {
      entry.status = status;
      response.writeHead(status, headers);
      response.end(request.method === 'HEAD' ? undefined : body);
    };

    if (faults.notFound) return reply(404, { 'x-error-code': 'EntryNotFound' }, 'Entry not found');
    if (path === `/api/models/${REPO}/tree/main`) {
      if (faults.noTreeApi) return reply(404, {}, 'Not found');
      const listing = [...files].map(([name, bytes]) => ({
        type: 'file',
        path: name,
        size: bytes.length,
        oid: 'f'.repeat(40),
        lfs: { oid: sha256(bytes), size: bytes.length, pointerSize: 135 },
      }));
      return reply(200, { 'content-type': 'application/json' }, JSON.stringify(listing));
    }
    if (path.startsWith(resolvePrefix)) {
      const name = path.slice(resolvePrefix.length);
      const bytes = files.get(name);
      if (!bytes) return reply(404, { 'x-error-code': 'EntryNotFound' }, 'Entry not found');
      const linked = faults.omitLinkedHeaders
        ? {}
        : { 'x-linked-etag': `"${sha256(bytes)}"`, 'x-linked-size': String(bytes.length) };
      const location = faults.redirectTo ?? `/cdn/${encodeURIComponent(name)}`;
      return reply(302, { location, 'x-repo-commit': 'abc123', ...linked });
    }
    if (path.startsWith('/cdn/')) {
      const bytes = files.get(path.slice('/cdn/'.length));
      if (!bytes) return reply(404, {}, 'Not found');
      void serveBytes(request, response, entry, bytes, faults);
      return;
    }
    reply(404, {}, 'Not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    faults,
    log,
    addFile: (name, bytes) => void files.set(name, bytes),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serveBytes(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  entry: LoggedRequest,
  original: Buffer,
  faults: ServerFaults,
): Promise<void> {
  let file = original;
  if (faults.corruptByteAt !== null) {
    file = Buffer.from(original);
    file[faults.corruptByteAt] = (file[faults.corruptByteAt] ?? 0) ^ 0xff;
  }
  const size = file.length;
  const range = faults.ignoreRange ? null : /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  let start = 0;
  if (range) {
    start = Number(range[1]);
    if (start >= size) {
      entry.status = 416;
      response.writeHead(416, { 'content-range': `bytes */${size}` });
      response.end();
      return;
    }
    entry.status = 206;
    response.writeHead(206, {
      'content-range': `bytes ${start}-${size - 1}/${size}`,
      'content-length': size - start,
      'accept-ranges': 'bytes',
    });
  } else {
    entry.status = 200;
    response.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
  }
  if (request.method === 'HEAD') return void response.end();

  const cutAt = faults.cutAtOffset ?? faults.stallAtOffset;
  const end = cutAt !== null && cutAt > start ? cutAt : size;
  const chunkBytes = faults.throttle?.chunkBytes ?? end - start;
  let closed = false;
  response.on('close', () => (closed = true));
  for (let offset = start; offset < end && !closed; offset += chunkBytes) {
    const chunk = file.subarray(offset, Math.min(end, offset + chunkBytes));
    if (!response.write(chunk)) await once(response, 'drain');
    if (faults.throttle) await sleep(faults.throttle.delayMs);
  }
  if (closed) return;
  if (end < size && faults.stallAtOffset !== null) return; // keep the connection open, send nothing more
  if (end < size) {
    faults.cutAtOffset = null; // one cut per switch-on
    // Let the bytes reach the client, then drop the connection mid-body, as a flaky network does.
    await new Promise<void>((resolve) => response.write(Buffer.alloc(0), () => resolve()));
    response.socket?.destroy();
    return;
  }
  response.end();
}
