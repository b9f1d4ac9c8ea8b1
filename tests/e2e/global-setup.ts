import { fileURLToPath } from 'node:url';
import { ensureRendererBuilt } from '../../src-main/node/host/renderer-build';

const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/** Builds the renderer once before the e2e tests, unless `dist/renderer` is already newer than its sources. */
export default async function setup(): Promise<void> {
  await ensureRendererBuilt(RENDERER_DIR, (line) => console.log(`[e2e] ${line}`));
}
