import { plural } from './plural';

/**
 * Bytes for people, in decimal units like Hugging Face and every OS file manager except Windows Explorer use,
 * so the numbers in our messages match what the user sees on the download page: `1.79 GB`, `600 kB`, `12 bytes`.
 * The one byte formatter of the app (main process, browser host and renderer). Not a count (negative, NaN): `0 bytes`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return plural(0, 'byte');
  if (bytes < 1000) return plural(Math.round(bytes), 'byte');
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
