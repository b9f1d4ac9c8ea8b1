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
  options: {
    engine?: ChatEngine;
    modelPath?: string;
    models?: BrowserHostOptions['models'];
    /** Runs on the fresh data folder before the host opens it, e.g. to seed or damage the database. */
    prepare?: (dataDir: string) => void | Promise<void>;
  } = {},
): Promise<TestHost> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'phi-desk-e2e-'));
  const { prepare, ...hostOptions } = options;
  let host: BrowserHost;
  try {
    await prepare?.(dataDir);
    host = await startBrowserHost({ dataDir, ...hostOptions });
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
