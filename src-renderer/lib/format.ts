import { plural } from '../../src-main/common/plural';
import type { EngineStatus, MessageRole, MessageStatus, ReplyStats, StopReason } from '../../src-main/common/types';

export const ROLE_LABELS: Record<MessageRole, string> = { user: 'You', assistant: 'Phi' };

/** A visible word for every status but `complete` (which needs none). */
export const STATUS_LABELS: Record<MessageStatus, string | null> = {
  complete: null,
  streaming: 'Writing…',
  stopped: 'Stopped',
  interrupted: 'Interrupted',
  error: 'Error',
};

/**
 * The engine's state as one short line. `contextSize: false` leaves out the window size (shown by the context meter
 * where there is one).
 */
export function describeEngine(status: EngineStatus | null, options: { contextSize?: boolean } = {}): string {
  if (status === null) return 'Connecting…';
  const name = status.modelName ?? 'the model';
  switch (status.state) {
    case 'noModel':
      return 'No model loaded';
    case 'loading':
      // The percentage is shown beside the line (a progress bar), so the live status is not re-announced per step.
      return `Loading ${name}…`;
    case 'ready':
      return status.contextSize === null || options.contextSize === false
        ? `${name} · ready`
        : `${name} · ready · ${status.contextSize.toLocaleString('en-US')}-token context`;
    case 'error':
      return `Model error: ${status.error ?? 'the model could not be loaded'}`;
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(epochMs: number): string {
  return timeFormat.format(epochMs);
}

/** Why a reply ended, in words. */
const STOP_REASON_LABELS: Record<StopReason, string> = {
  eos: 'Finished',
  stopText: 'Finished',
  maxTokens: 'Reached the length limit',
  aborted: 'Stopped',
  error: 'Failed',
};

/** A finished reply's figures as short phrases: tokens, speed, time to first token, why it ended. */
export function describeStats(stats: ReplyStats): string[] {
  const tokens = plural(stats.generatedTokens, 'token');
  const parts = [tokens];
  if (stats.generatedTokens > 0 && Number.isFinite(stats.tokensPerSecond)) {
    parts.push(`${stats.tokensPerSecond.toFixed(1)} tokens/s`);
  }
  if (stats.generatedTokens > 0) parts.push(`first token in ${formatSeconds(stats.timeToFirstTokenMs)}`);
  parts.push(STOP_REASON_LABELS[stats.stopReason]);
  return parts;
}

/** Milliseconds as "0.42 s" / "12 s". */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(0)} s`;
}
