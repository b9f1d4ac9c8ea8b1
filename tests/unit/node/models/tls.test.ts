import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelDownloader } from '../../../../src-main/node/models';
import { REPO } from './model-server';

/** A self-signed certificate needs the openssl CLI; without it this check is skipped (it is in every CI image). */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('TLS verification', () => {
  let dir: string;
  let server: https.Server;
  let requests = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phi-desk-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    server = https.createServer(
      { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) },
      (_request, response) => {
        requests++;
        response.writeHead(200, { 'x-linked-etag': `"${'a'.repeat(64)}"`, 'content-length': 0 }).end();
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a server whose certificate is not trusted, without sending the request', async () => {
    const { port } = server.address() as AddressInfo;
    const modelsDir = join(dir, 'models');
    const downloader = new ModelDownloader({ modelsDir, hubBaseUrl: `https://127.0.0.1:${port}`, retries: 0 });
    const file = 'phi-2.Q4_K_M.gguf';
    await downloader.start({ repo: REPO, revision: 'main', file, sizeBytes: null, sha256: null });
    const failed = await downloader.wait(file);
    await downloader.dispose();

    expect(failed.error?.code).toBe('NETWORK');
    expect(failed.error?.message).toMatch(/certificate/i);
    expect(requests).toBe(0);
    expect(await readdir(dir)).not.toContain('models');
  });
});
