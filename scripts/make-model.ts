/**
 * Writes a synthetic Phi-2 GGUF model (random weights, real architecture and tokenizer) for tests and benchmarks.
 *
 *   tsx scripts/make-model.ts --out <file.gguf> [--shape tiny|phi2] [--seed N]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PHI2_SHAPE, TINY_SHAPE, writeSyntheticPhi2Model } from '../tests/support/synthetic-model/synthetic-phi2';
import { formatBytes } from '../src-main/common/byte-format';

const USAGE = 'usage: tsx scripts/make-model.ts --out <file.gguf> [--shape tiny|phi2] [--seed N]';
const SHAPES = { tiny: TINY_SHAPE, phi2: PHI2_SHAPE } as const;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        shape: { type: 'string', default: 'tiny' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const shape = SHAPES[values.shape as keyof typeof SHAPES] as (typeof SHAPES)[keyof typeof SHAPES] | undefined;
  const seed = Number(values.seed);
  if (!values.out || !shape || !Number.isSafeInteger(seed)) {
    console.error(USAGE);
    return 2;
  }

  const out = resolve(values.out);
  const started = Date.now();
  let lastPercent = -1;
  const bytes = await writeSyntheticPhi2Model(out, shape, {
    seed,
    onProgress: (written, total) => {
      const percent = Math.floor((written / total) * 100);
      // Only the big model takes long enough for progress to matter; keep the tiny one's output to one line.
      if (total > 100 << 20 && percent !== lastPercent && percent % 5 === 0) {
        lastPercent = percent;
        process.stderr.write(`\r${percent}%`);
      }
    },
  });
  if (lastPercent >= 0) process.stderr.write('\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${out}\n${formatBytes(bytes)} (${bytes} bytes), shape ${values.shape}, seed ${seed}, ${seconds} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
