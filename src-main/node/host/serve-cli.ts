import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RpcError } from '../../common/contract';
import type { StartupState } from '../../common/types';
import { EngineError } from '../engine/port';
import { defaultDataDir } from '../paths/data-dir';
import { StoreError } from '../store/store-error';
import { DEFAULT_RENDERER_DIR, startBrowserHost } from './browser-host';
import { LoopbackServerError } from './loopback-server';
import { acquireInstanceLock } from './instance-lock';
import { ensureRendererBuilt } from './renderer-build';
import { SHUTDOWN_DEADLINE_MS } from './shutdown';

const USAGE = `Usage: npm run serve -- [--model <file.gguf>] [--data <dir>] [--port <n>]

Serves Phi Desk to a browser on 127.0.0.1 and prints the URL to open (it carries a per-launch token).
  --model <file>   GGUF model to load; it is remembered for the next start (default: the model chosen
                   last time, or none: the window then offers to download Phi-2 or use a local file)
  --data <dir>     where conversations are stored (default: ${defaultDataDir()})
  --port <n>       port on 127.0.0.1 (default: any free port)
Stop with Ctrl+C.`;

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { model?: string; data: string; port: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${values.port}".`);
  }
  return { ...(values.model === undefined ? {} : { model: values.model }), data: values.data ?? defaultDataDir(), port };
}

/**
 * The start's steps on stderr while the conversations open (the page shows them too): each step once, with its
 * progress now and then — every quarter off a terminal.
 */
function startupPrinter(): (startup: StartupState) => void {
  let lastLine = '';
  return ({ step }) => {
    if (step === null) return;
    const percent = step.fraction === null ? null : Math.floor(step.fraction * 100);
    const shown = percent === null ? null : process.stderr.isTTY ? percent : Math.floor(percent / 25) * 25;
    // Counts in the words ("312,000 of 1,000,000 messages") move with the bar: print the words up to the count.
    const words = step.text.replace(/: [\d,]+ of .*$/, '');
    const line = shown === null ? words : `${words} ${shown}%`;
    if (line === lastLine) return;
    lastLine = line;
    process.stderr.write(`${line}\n`);
  };
}

/** A progress line that rewrites itself on a terminal and prints sparsely elsewhere. */
function progressPrinter(label: string): (fraction: number) => void {
  let lastPercent = -1;
  return (fraction) => {
    const percent = Math.floor(fraction * 100);
    if (percent === lastPercent || (!process.stderr.isTTY && percent % 25 !== 0 && percent !== 100)) return;
    lastPercent = percent;
    process.stderr.write(process.stderr.isTTY ? `\r${label} ${percent}%` : `${label} ${percent}%\n`);
    if (process.stderr.isTTY && percent === 100) process.stderr.write('\n');
  };
}

async function main(): Promise<number> {
  const options = parseCommandLine(process.argv.slice(2));
  if (options.model !== undefined && !existsSync(options.model)) {
    throw new EngineError('MODEL_NOT_FOUND', `Model file not found: ${options.model}`);
  }
  // Fail at once, before any build, when another copy uses the data folder (the host takes the lock for real).
  acquireInstanceLock(options.data).release();
  await ensureRendererBuilt(DEFAULT_RENDERER_DIR, (line) => process.stderr.write(`${line}\n`));

  const stopping = new AbortController();
  const hostReady = startBrowserHost({
    dataDir: options.data,
    ...(options.model === undefined ? {} : { modelPath: options.model }),
    port: options.port,
    onLoadProgress: progressPrinter('Loading model'),
    signal: stopping.signal,
  });
  const stop = async (signal: string): Promise<void> => {
    if (stopping.signal.aborted) return;
    process.stderr.write(`\n${signal}: shutting down…\n`);
    // The last resort, should closing hang all the same: the process ends on time (and the next start treats the
    // database as after a crash). The host's own deadline closes the database well before this.
    setTimeout(() => {
      process.stderr.write(`Not stopped within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // Stopping while the model still loads cancels the load; whatever is pending is cut short within the deadline.
    stopping.abort(new Error(`${signal} while starting`));
    await hostReady.then((host) => host.close(), () => {});
    process.stderr.write('Stopped. The engine is disposed and the database closed.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // A start cancelled by Ctrl+C is no failure: `stop` reports and exits.
  const host = await hostReady.catch((error: unknown) => {
    if (stopping.signal.aborted) return new Promise<never>(() => {});
    throw error;
  });
  process.stderr.write(`Phi Desk is serving on 127.0.0.1:${host.port} (data: ${options.data}). Open this URL:\n`);
  console.log(host.url);
  // The page is served at once; the conversations may take a while to open on a big history (an update, a recovery).
  if (host.starting.composed === null) {
    const started = performance.now();
    const print = startupPrinter();
    const off = host.starting.onPush((event) => {
      if (event.type === 'onStartupProgress') print(event.startup);
    });
    void host.ready.then(
      () => process.stderr.write(`Conversations ready (${((performance.now() - started) / 1000).toFixed(1)} s).\n`),
      () => undefined,
    ).finally(off);
  }
  // The model named with --model passed its check before the URL was printed; it loads while the page is served.
  host.starting.modelLoaded.catch((error: unknown) => {
    if (!stopping.signal.aborted) process.stderr.write(`phi-desk: the model could not be loaded: ${(error as Error).message}\n`);
  });
  // Without its conversations the app cannot be used: say why (the page says it too) and stop.
  return host.ready.then(
    () => new Promise<number>(() => {}),
    async (error: unknown) => {
      if (stopping.signal.aborted) return new Promise<number>(() => {});
      console.error(`phi-desk: ${(error as Error).message}`);
      await host.close();
      return 1;
    },
  );
}

main().then((code) => process.exit(code), (error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`phi-desk: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  // RpcError: the model was refused before loading (not GGUF, another architecture, too big for memory).
  if (
    error instanceof EngineError ||
    error instanceof StoreError ||
    error instanceof LoopbackServerError ||
    error instanceof RpcError
  ) {
    console.error(`phi-desk: ${error.message}`);
    process.exit(1);
  }
  console.error('phi-desk: could not start:', error);
  process.exit(1);
});
