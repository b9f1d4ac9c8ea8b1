/** How often the app checks whether the daily backup is due. */
export const BACKUP_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export interface BackupSchedule {
  /** Resolves when the check running now (if any) has finished. */
  idle(): Promise<void>;
  /** Stop checking; waits for a backup in progress to finish. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `backupIfDue` now and then every `intervalMs` (one at a time: a slow backup is never started twice). A failure
 * goes to `onError` and the next check tries again. The timer does not keep the process alive.
 */
export function scheduleBackups(
  backupIfDue: () => Promise<unknown>,
  onError: (error: unknown) => void,
  intervalMs: number = BACKUP_CHECK_INTERVAL_MS,
): BackupSchedule {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const check = (): void => {
    if (busy || stopped) return;
    busy = true;
    running = backupIfDue()
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stopped) onError(error);
        },
      )
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  check();
  return {
    idle: () => running,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
