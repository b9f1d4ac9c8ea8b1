/**
 * Phi Desk's own local API in a process of its own, for the remote engine's tests: the whole app (store, the real
 * engine on the given model) with the local API on a free port of 127.0.0.1. Prints one JSON line when it serves —
 * `{"url": …, "key": …, "model": …}` — and shuts down cleanly on SIGTERM.
 *
 * Usage: node --import tsx tests/unit/node/openai/support/local-api-process.ts <data folder> <model.gguf>
 */
import { LlamaEngine } from '../../../../../src-main/node/engine/llama-engine';
import { composeApp } from '../../../../../src-main/node/host/compose';

const [dataDir, modelPath] = process.argv.slice(2);
if (!dataDir || !modelPath) throw new Error('usage: local-api-process.ts <data folder> <model.gguf>');

const engine = new LlamaEngine({ threads: 1 });
await engine.load(modelPath);
const app = composeApp({ dataDir, engine, host: 'browser', version: '0.0.0-test', openai: { localApiPort: 0 } });
app.settings.update({ patch: { localApiEnabled: true } });
await app.localApi.apply();
const status = app.localApi.status();
if (status.state !== 'running') throw new Error(`the local API did not start: ${status.lastError?.message ?? status.state}`);
process.stdout.write(`${JSON.stringify({ url: status.url, key: status.key, model: engine.status().modelName })}\n`);

process.on('SIGTERM', () => {
  void app.dispose().then(() => process.exit(0));
});
