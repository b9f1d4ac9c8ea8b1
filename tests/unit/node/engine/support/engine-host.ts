/**
 * A stand-in host for tests: starts the isolated engine, loads the model given as the first argument, prints the
 * engine process id on stdout, then waits to be killed.
 */
import { createAppEngine } from '../../../../../src-main/node/engine/process/create-engine';

const engine = createAppEngine({ threads: 1 });
await engine.load(process.argv[2] ?? '');
process.stdout.write(`${engine.processId() ?? 0}\n`);
setInterval(() => undefined, 60_000);
