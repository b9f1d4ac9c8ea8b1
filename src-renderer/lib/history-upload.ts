/**
 * Files crossing HTTP between the window and the browser host (see the host's `history-routes.ts`): an upload to
 * import, and a finished export to download. Both carry the page's launch token, as the WebSocket does.
 */

/** The launch token from the page's URL (`?token=…`). */
function pageToken(): string {
  return new URLSearchParams(window.location.search).get('token') ?? '';
}

/** What the host answered for an upload. */
export interface UploadedFile {
  id: string;
  name: string;
  bytes: number;
}

/**
 * Upload `file` (streamed by the browser from disk; never read into the page), reporting bytes sent. XMLHttpRequest
 * rather than fetch: only it reports upload progress. Aborting `signal` stops it.
 * @throws Error with the host's reason (too large, refused) or `AbortError`.
 */
export function uploadFile(file: File, onProgress: (sent: number, total: number) => void, signal: AbortSignal): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const query = new URLSearchParams({ token: pageToken(), name: file.name });
    request.open('POST', `/history/upload?${query}`);
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      let body: { id?: string; name?: string; bytes?: number; error?: string } = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // An answer that is not ours (a proxy?): the status says enough.
      }
      if (request.status === 201 && body.id) resolve({ id: body.id, name: body.name ?? file.name, bytes: body.bytes ?? file.size });
      else reject(new Error(body.error ?? `${file.name} could not be uploaded (HTTP ${request.status}).`));
    };
    request.onerror = () => reject(new Error(`${file.name} could not be uploaded: the connection to Phi Desk failed.`));
    request.onabort = () => reject(new DOMException('Upload cancelled.', 'AbortError'));
    signal.addEventListener('abort', () => request.abort(), { once: true });
    request.send(file);
  });
}

/** Have the browser download the export staged at `url` (same origin) under `fileName`: its own download, its own UI. */
export function startDownload(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = `${url}?${new URLSearchParams({ token: pageToken() })}`;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
