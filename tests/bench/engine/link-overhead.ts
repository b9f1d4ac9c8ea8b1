/**
 * The engine link's cost per streamed token, without a model: a scripted engine "in the process", joined to the
 * host's `IsolatedEngine` in memory (each message structured-cloned and delivered a turn later, as between
 * processes). Prints the best of five runs of 20,000 one-character deltas, in microseconds per delta.
 *
 *   npx tsx tests/bench/engine/link-overhead.ts
 */
import { IsolatedEngine } from '../../../src-main/node/engine/process/isolated-engine';
import type { EngineProcess, EngineProcessExit } from '../../../src-main/node/engine/process/engine-process';
import type { Transport } from '../../../src-main/common/rpc';
import { serveEngine } from '../../../src-main/node/engine/process/engine-server';
import { ScriptedEngine } from '../../support/scripted-engine';

const DELTAS = 20_000;

function inMemoryLauncher(): () => EngineProcess {
  return () => {
    const toHost = new Set<(value: unknown) => void>();
    const toWorker = new Set<(value: unknown) => void>();
    const exits = new Set<(exit: EngineProcessExit) => void>();
    const deliver = (listeners: Set<(value: unknown) => void>, value: unknown): void => {
      const copy = structuredClone(value);
      setImmediate(() => listeners.forEach((listener) => listener(copy)));
    };
    const port: Transport = {
      send: (message) => deliver(toHost, message),
      onMessage: (listener) => (toWorker.add(listener), () => void toWorker.delete(listener)),
    };
    serveEngine(port, () => new ScriptedEngine({ reply: 'x'.repeat(DELTAS), deltaChars: 1 }), () =>
      setImmediate(() => exits.forEach((listener) => listener({ code: 0, signal: null }))),
    );
    return {
      pid: 1,
      send: (m) => deliver(toWorker, m),
      onMessage: (l) => toHost.add(l),
      onExit: (l) => exits.add(l),
      stderrTail: () => [],
      kill: () => exits.forEach((listener) => listener({ code: null, signal: 'SIGKILL' })),
    };
  };
}

const engine = new IsolatedEngine({ launch: inMemoryLauncher() });
await engine.load('/models/a.gguf');
const runs: number[] = [];
const cpu: number[] = [];
for (let run = 0; run < 5; run++) {
  let deltas = 0;
  const start = performance.now();
  const startCpu = process.cpuUsage();
  await engine.generate({ turns: [{ role: 'user', content: 'Go' }], settings: { maxTokens: DELTAS } }, { onText: () => deltas++ });
  const used = process.cpuUsage(startCpu);
  runs.push(((performance.now() - start) * 1000) / deltas);
  cpu.push((used.user + used.system) / deltas);
}
await engine.dispose();
// CPU time is the steadier figure on a shared machine (wall time also counts waiting for a core).
const best = (values: number[]): string => Math.min(...values).toFixed(1);
console.log(`engine link: ${best(cpu)} µs of CPU per delta, ${best(runs)} µs wall (best of 5; host and scripted engine together)`);
