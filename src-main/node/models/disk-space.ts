import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBytes } from '../../common/byte-format';
import { ModelDownloadError } from './download-error';

/** How many bytes a folder's file system can still take; injectable so tests can simulate a full disk. */
export type FreeBytesFunction = (dir: string) => Promise<number>;

/**
 * Free space for an unprivileged user (`bavail`, not `bfree`: the root-reserved blocks are not ours to fill) on
 * the file system holding `dir`, or its nearest existing parent when the folder is not created yet.
 */
export const freeBytesOnDisk: FreeBytesFunction = async (dir) => {
  let current = dir;
  for (;;) {
    try {
      const stats = await statfs(current);
      return stats.bavail * stats.bsize;
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
};

/**
 * Refuses a download that would not fit: `needed` more bytes into `dir`.
 * @throws ModelDownloadError `INSUFFICIENT_SPACE` naming how much is needed and how much is free.
 */
export async function ensureFreeSpace(
  getFreeBytes: FreeBytesFunction,
  dir: string,
  needed: number,
  file: string,
): Promise<void> {
  if (needed <= 0) return;
  let free: number;
  try {
    free = await getFreeBytes(dir);
  } catch (error) {
    const reason = (error as Error).message;
    throw new ModelDownloadError('FILESYSTEM', `Cannot check the free disk space in ${dir}: ${reason}`, {
      cause: error,
      resumable: false,
    });
  }
  if (free >= needed) return;
  throw new ModelDownloadError(
    'INSUFFICIENT_SPACE',
    `Not enough disk space for ${file}: it needs ${formatBytes(needed)} more in ${dir}, but only ` +
      `${formatBytes(free)} is free. Free up ${formatBytes(needed - free)} and try again.`,
    { resumable: true },
  );
}
