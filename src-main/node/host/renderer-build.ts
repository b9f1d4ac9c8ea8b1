import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Sources the renderer bundle is built from: a change in any of them makes the bundle stale. */
const SOURCE_DIRS = ['src-renderer', 'src-main/common'].map((dir) => path.join(ROOT, dir));
const CONFIG_FILES = ['vite.config.ts', 'svelte.config.js', 'package.json'].map((file) => path.join(ROOT, file));

async function newestMtime(entry: string): Promise<number> {
  const info = await stat(entry).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const children = await readdir(entry);
  const times = await Promise.all(children.map((child) => newestMtime(path.join(entry, child))));
  return Math.max(info.mtimeMs, ...times);
}

/**
 * Build the renderer with Vite when `rendererDir/index.html` is missing or older than its sources, so
 * `npm run serve` always serves what the checkout contains. A packaged app ships a built renderer and never calls this.
 */
export async function ensureRendererBuilt(rendererDir: string, log: (line: string) => void): Promise<void> {
  const builtAt = (await stat(path.join(rendererDir, 'index.html')).catch(() => null))?.mtimeMs ?? 0;
  const sourcesAt = Math.max(...(await Promise.all([...SOURCE_DIRS, ...CONFIG_FILES].map(newestMtime))));
  if (builtAt >= sourcesAt) return;
  log(builtAt === 0 ? 'Building the renderer (first run)…' : 'Renderer sources changed; rebuilding…');
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
