import { formatBytes } from '../../src-main/common/byte-format';

/** Speeds and times for the model manager (byte counts: `formatBytes`, in decimal units as Hugging Face lists sizes). */

/** `4.20 MB/s`. */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** `about 3 min left`, `12 s left`, `1 h 5 min left`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s left`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
