import { fork, type Serializable } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How an engine process ended. */
export interface EngineProcessExit {
  code: number | null;
  signal: string | null;
}

/**
 * The host's handle on one engine process, whatever started it (`child_process.fork` here; Electron's
 * `utilityProcess` in the desktop app, see src-main/electron-main/engine-process.ts).
 */
export interface EngineProcess {
  /** The OS process id, once known. */
  readonly pid: number | undefined;
  /** Sends one message of the engine link (see `engine-contract.ts`); dropped once the process has ended. */
  send(message: unknown): void;
  onMessage(listener: (value: unknown) => void): void;
  /** Called once when the process has ended, for whatever reason. */
  onExit(listener: (exit: EngineProcessExit) => void): void;
  /** The last lines the process wrote to stderr (where llama.cpp prints a failed assert before aborting). */
  stderrTail(): string[];
  /** Ends the process at once (SIGKILL). */
  kill(): void;
}

/** Starts a fresh engine process. */
export type EngineProcessLauncher = () => EngineProcess;

export interface ForkLauncherOptions {
  /** The worker script. Default: engine-worker next to this file (`.ts` under tsx/vitest, `.js` when bundled). */
  entry?: string;
  /** Node flags for the child. Default: tsx's loader when `entry` is a `.ts` file, else none. */
  execArgv?: string[];
  /** Also copy the child's stderr to this process's stderr. Default false (it is kept for error messages). */
  forwardStderr?: boolean;
}

const STDERR_LINES = 20;

/**
 * Environment for an engine process.
 * - `GGML_NO_BACKTRACE`: when an assert fails, ggml otherwise attaches gdb to print a backtrace before aborting, which
 *   takes seconds (and the assert line itself is all the user needs).
 * - `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_` (glibc; ignored elsewhere): loading a model with mmap off,
 *   llama.cpp reads each tensor through a temporary buffer of up to tens of MiB. glibc raises its mmap threshold to
 *   the size of each such buffer freed, so the next ones come from the heap and stay mapped after they are freed.
 *   Fixed thresholds of 128 KiB hand every large block back to the system when it is freed: the engine process's
 *   peak is 31 MiB lower on the Phi-2-shaped model (2,325 → 2,294 MiB VmHWM through load, context and a first
 *   reply), at no cost to speed (llama.cpp allocates its large buffers once).
 */
export const ENGINE_PROCESS_ENV: Readonly<Record<string, string>> = {
  GGML_NO_BACKTRACE: '1',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/**
 * A launcher that forks the engine worker as a Node child process: used by the browser host (`npm run serve`) and
 * the tests. From source (tsx, vitest) the worker is a TypeScript file, so the child gets tsx's loader (`--import`);
 * the child never inherits the parent's flags (vitest's and tsx's own would be wrong or duplicated there).
 */
export function forkLauncher(options: ForkLauncherOptions = {}): EngineProcessLauncher {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = options.entry ?? fileURLToPath(new URL(`./engine-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const execArgv = options.execArgv ?? (entry.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : []);
  return () => {
    const child = fork(entry, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...ENGINE_PROCESS_ENV },
    });
    const stderrTail = keepStderrTail(child.stderr, options.forwardStderr ?? false);
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (child.connected) child.send(message as Serializable);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => {
        // 'exit' can come before stderr is fully read; 'close' waits for the streams too.
        child.once('close', (code, signal) => listener({ code, signal }));
      },
      stderrTail,
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}

/**
 * Keeps the last lines a process writes to stderr (llama.cpp prints a failed assert there just before aborting),
 * optionally copying them to this process's stderr. Returns the function that reads them.
 */
export function keepStderrTail(stream: NodeJS.ReadableStream | null, forward: boolean): () => string[] {
  const tail: string[] = [];
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    if (forward) process.stderr.write(chunk);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) tail.push(line.trim());
    tail.splice(0, Math.max(0, tail.length - STDERR_LINES));
  });
  return () => (partial.trim() ? [...tail, partial.trim()] : [...tail]);
}

/** "killed by SIGKILL" or "exit code 134", with llama.cpp's failed assert when it printed one. */
export function describeExit(exit: EngineProcessExit, stderr: string[]): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  const assert = stderr.findLast((line) => /GGML_ASSERT|GGML_ABORT|error|terminate/i.test(line));
  return assert ? `${how}: ${shorten(assert.replace(/^.*?\/(?=[\w.-]+:\d+:)/, ''))}` : how;
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}

/** The file URL of tsx's loader, resolved from this package (tsx is how the project runs TypeScript from source). */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}
