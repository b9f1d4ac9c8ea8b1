import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

/** The app's log folder, inside its data folder. */
export const LOG_FOLDER = 'logs';
/** The log file: the current one; the one before it is `phi-desk.old.log` beside it. */
export const LOG_FILE = 'phi-desk.log';
const OLD_LOG_FILE = 'phi-desk.old.log';
/** The most one log file holds before it becomes the old one (as electron-log's default). */
export const MAX_LOG_BYTES = 1_000_000;

/** Where the log of the app using `dataDir` is written. */
export function logFileFor(dataDir: string): string {
  return path.join(path.resolve(dataDir), LOG_FOLDER, LOG_FILE);
}

export type LogLevel = 'error' | 'warn' | 'info';

/**
 * The app's log: what went wrong (and a few facts), for a user to send with a bug report. It is never told what
 * anyone wrote: callers pass failures and facts about the app (a model's file name, a crash, a method that failed),
 * never message text, prompts or titles.
 */
export interface AppLog {
  /** The file written to. */
  readonly file: string;
  write(level: LogLevel, message: string, error?: unknown): void;
}

export interface AppLogOptions {
  /** Also pass each line here (the browser host prints warnings and errors in its terminal). */
  echo?: (line: string, level: LogLevel) => void;
  /** Default `MAX_LOG_BYTES`. */
  maxBytes?: number;
}

/**
 * A rotating log file in the data folder (`logs/phi-desk.log`): one line per entry, time and level first; when it
 * would pass `maxBytes` it becomes `phi-desk.old.log` (replacing the one before) and a new file starts. Writes are
 * synchronous appends: entries are rare, and a line must reach the disk before a crash that may follow it. A log
 * that cannot be written (read-only folder) drops its lines and never fails the caller.
 */
export function openAppLog(dataDir: string, options: AppLogOptions = {}): AppLog {
  const file = logFileFor(dataDir);
  const maxBytes = options.maxBytes ?? MAX_LOG_BYTES;
  let size: number | null = null;
  return {
    file,
    write(level, message, error) {
      const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${describe(error)}\n`;
      options.echo?.(line.trimEnd(), level);
      try {
        if (size === null) {
          mkdirSync(path.dirname(file), { recursive: true });
          size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
        }
        const bytes = Buffer.byteLength(line);
        if (size > 0 && size + bytes > maxBytes) {
          renameSync(file, path.join(path.dirname(file), OLD_LOG_FILE));
          size = 0;
        }
        appendFileSync(file, line, { mode: 0o600 });
        size += bytes;
      } catch {
        size = null; // try again (folder and size) with the next line
      }
    },
  };
}

/** An error's name, message and stack (its cause's too), never its other properties. */
function describe(error: unknown): string {
  if (error === undefined) return '';
  if (!(error instanceof Error)) return `: ${String(error)}`;
  const stack = error.stack?.split('\n').slice(1).join('\n') ?? '';
  const cause = error.cause === undefined ? '' : `\n  caused by${describe(error.cause)}`;
  return `: ${error.name}: ${error.message}${stack ? `\n${stack}` : ''}${cause}`;
}
