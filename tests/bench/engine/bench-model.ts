import { mkdir, open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeGgufHeader } from '../../support/synthetic-model/gguf-writer';
import {
  describeSyntheticPhi2Model,
  PHI2_SHAPE,
  SYNTHETIC_MODEL_VERSION,
  writeSyntheticPhi2Model,
  type Phi2Shape,
} from '../../support/synthetic-model/synthetic-phi2';

/** Seed of the benchmark model (any fixed value; the weights only have to be the same every run). */
export const BENCH_MODEL_SEED = 1;

/**
 * Where benchmark models are cached: outside the repository, so they are never committed and survive a fresh clone.
 * `$PHI_DESK_BENCH_CACHE`, else `$XDG_CACHE_HOME/phi-desk/bench`, else `~/.cache/phi-desk/bench`.
 */
export function benchCacheDir(): string {
  if (process.env.PHI_DESK_BENCH_CACHE) return process.env.PHI_DESK_BENCH_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'phi-desk', 'bench');
}

export interface BenchModel {
  path: string;
  bytes: number;
  /** True when the file was written by this call (not reused from the cache). */
  written: boolean;
}

/**
 * The Phi-2-shaped synthetic Q4_0 model (~1.5 GB), written once with the project's own GGUF writer and reused while
 * its header (every metadata key and tensor layout) and its size match what the writer would produce now. The
 * writer version and seed are in the file name, so a changed weight generator never reuses an old file.
 */
export async function ensureBenchModel(
  shape: Readonly<Phi2Shape> = PHI2_SHAPE,
  log: (line: string) => void = () => {},
): Promise<BenchModel> {
  const dir = benchCacheDir();
  const label = shape === PHI2_SHAPE ? 'phi2' : shape.name.replace(/\W+/g, '-').toLowerCase();
  const path = join(dir, `${label}-synthetic-v${SYNTHETIC_MODEL_VERSION}-seed${BENCH_MODEL_SEED}.gguf`);
  const { header, dataBytes } = encodeGgufHeader(describeSyntheticPhi2Model(shape, BENCH_MODEL_SEED));
  const expectedBytes = header.length + dataBytes;
  if (await headerMatches(path, header, expectedBytes)) return { path, bytes: expectedBytes, written: false };

  await mkdir(dir, { recursive: true });
  log(`writing the ${label} benchmark model (${(expectedBytes / 2 ** 30).toFixed(2)} GiB) to ${path}`);
  let lastTenth = -1;
  const bytes = await writeSyntheticPhi2Model(path, shape, {
    seed: BENCH_MODEL_SEED,
    onProgress: (written, total) => {
      const tenth = Math.floor((written / total) * 10);
      if (tenth !== lastTenth) log(`  ${tenth * 10}%`);
      lastTenth = tenth;
    },
  });
  return { path, bytes, written: true };
}

/** True when `path` exists, has the expected size and starts with exactly `header`. */
async function headerMatches(path: string, header: Uint8Array, expectedBytes: number): Promise<boolean> {
  try {
    if ((await stat(path)).size !== expectedBytes) return false;
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(header.length);
      const { bytesRead } = await handle.read(buffer, 0, header.length, 0);
      return bytesRead === header.length && buffer.equals(header);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}
