import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Benchmark workers run in their own Node processes (started with `node --import tsx`, no wrapper process), so each
 * one's peak RSS is its own, an app "restart" is a real new process, and the app and the baseline never share a
 * llama.cpp backend. They talk to the harness over Node's IPC channel: one request in, one reply out.
 */

/** A running worker: its pid (for memory sampling), and its one reply. */
export interface Worker<Reply> {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the worker's reply; rejects if it fails or exits first. */
  readonly reply: Promise<Reply>;
  /** Messages other than the final reply (progress, ready signals). */
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** Wait for the process to exit (kills it after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<void>;
}

/** What a worker sends: `{kind:'result'}` ends it; anything else is passed to `onMessage`. */
export type WorkerMessage =
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; message: string }
  | { kind: string; [key: string]: unknown };

/** Workers still running, so a failed benchmark can stop what it started. */
const running = new Set<ChildProcess>();

/** Kill every worker this process started that is still running (after a failure). */
export function stopAllWorkers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Start `file` (a .ts module next to this one) with `request` as its one input; or, with `bundle`, that module
 * bundled into one JavaScript file (see bundleWorker), run by plain Node.
 */
export function startWorker<Reply>(file: string, request: Serializable, options: { bundle?: string } = {}): Worker<Reply> {
  const child = fork(options.bundle ?? fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: options.bundle ? [] : ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const listeners: Array<(message: WorkerMessage) => void> = [];
  const reply = new Promise<Reply>((resolve, reject) => {
    child.on('message', (raw) => {
      const message = raw as WorkerMessage;
      if (message.kind === 'result') resolve((message as { value: unknown }).value as Reply);
      else if (message.kind === 'error') reject(new Error(`${file}: ${(message as { message: string }).message}`));
      else for (const listener of listeners) listener(message);
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`${file} exited (${signal ?? code}) before replying${stderr ? `:\n${stderr.trim()}` : ''}`)),
    );
    child.on('error', reject);
  });
  reply.catch(() => undefined); // the caller awaits it; avoid an unhandled rejection if it never does
  child.send(request);
  return {
    pid: child.pid ?? -1,
    child,
    reply,
    onMessage: (listener) => void listeners.push(listener),
    exited: (timeoutMs = 30_000) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** Inside a worker: receive the one request, run `handler`, send its result (or error) and exit. */
export function runWorker<Request, Reply>(handler: (request: Request) => Promise<Reply>): void {
  exitWithParent();
  process.once('message', (request) => {
    handler(request as Request).then(
      (value) => {
        process.send?.({ kind: 'result', value }, () => process.exit(0));
      },
      (error: unknown) => {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.send?.({ kind: 'error', message }, () => process.exit(1));
      },
    );
  });
}

/** Inside a worker: exit when the harness goes away (its IPC channel closes), never linger as an orphan. */
export function exitWithParent(): void {
  process.once('disconnect', () => process.exit(1));
}
