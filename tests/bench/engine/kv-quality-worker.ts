/**
 * The KV key types' effect on the model's output (see `compareKeyTypes`), in a process of its own: the model is
 * loaded once (as the app loads it: CPU, mmap off), then a context with F16 keys and one with Q8_0 keys are made in
 * turn and the same tokens evaluated in each.
 */
import { acquireLlama } from '../../../src-main/node/engine/llama-runtime';
import { compareKeyTypes, type KeyTypeQuality } from './kv-key-quality';
import { runWorker } from './worker-process';

export interface KeyQualityRequest {
  modelPath: string;
  threads: number;
  /** The text to evaluate (already formatted as a prompt). */
  text: string;
  /** Compare the distribution after every `every`-th token. */
  every: number;
}

async function run(request: KeyQualityRequest): Promise<KeyTypeQuality> {
  const lease = await acquireLlama();
  try {
    const model = await lease.llama.loadModel({ modelPath: request.modelPath, gpuLayers: 0, useMmap: false });
    try {
      const tokens = model.tokenize(request.text, false);
      return await compareKeyTypes(model, tokens, { every: request.every, threads: request.threads });
    } finally {
      await model.dispose();
    }
  } finally {
    await lease.release();
  }
}

runWorker(run);
