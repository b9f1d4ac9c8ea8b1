import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChatEngine } from '../../../src-main/node/engine/port';
import { startBrowserHost, type BrowserHost, type BrowserHostOptions } from '../../../src-main/node/host/browser-host';

export interface TestHost {
  readonly host: BrowserHost;
  /** The page URL, token included. */
  readonly url: string;
  readonly dataDir: string;
  /** Close the host (engine disposed, database closed) and delete its data folder. */
  dispose(): Promise<void>;
}

/** The browser host on a free loopback port, with a fresh data folder, serving the built renderer. */
export async function startTestHost(
  options: { engine?: ChatEngine; modelPath?: string; models?: BrowserHostOptions['models'] } = {},
): Promise<TestHost> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'phi-desk-e2e-'));
  let host: BrowserHost;
  try {
    host = await startBrowserHost({ dataDir, ...options });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    host,
    url: host.url,
    dataDir,
    async dispose() {
      try {
        await host.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
