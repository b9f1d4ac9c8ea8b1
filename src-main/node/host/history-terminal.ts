import type { CommandEnvironment, CommandOutput } from './history-command';

/**
 * Run an export or import command in this process's terminal: its progress on one line of stderr that rewrites
 * itself (only when stderr is a terminal: a log file gets the summary alone), Ctrl+C to stop it cleanly (an export
 * leaves no file), the summary on stdout, the failure as one line on stderr, and the exit code.
 */
export async function runCommandInTerminal(
  command: (argv: string[], env: CommandEnvironment) => Promise<CommandOutput>,
  defaultData: string,
): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  let shown = false;
  const onProgress = process.stderr.isTTY
    ? (line: string): void => {
        const width = Math.max(20, (process.stderr.columns || 80) - 1);
        process.stderr.write(`\r${line.slice(0, width).padEnd(width)}`);
        shown = true;
      }
    : null;
  try {
    const result = await command(process.argv.slice(2), { defaultData, cwd: process.env.INIT_CWD ?? process.cwd(), onProgress, signal: controller.signal });
    if (shown) process.stderr.write('\r\u001b[2K');
    for (const line of result.stdout) console.log(line);
    for (const line of result.stderr) console.error(line);
    process.exitCode = result.code;
  } finally {
    process.off('SIGINT', stop);
  }
}
