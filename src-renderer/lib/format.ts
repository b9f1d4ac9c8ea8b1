import type { EngineStatus, MessageRole, MessageStatus } from '../../src-main/common/types';

export const ROLE_LABELS: Record<MessageRole, string> = { user: 'You', assistant: 'Phi' };

/** A visible word for every status but `complete` (which needs none). */
export const STATUS_LABELS: Record<MessageStatus, string | null> = {
  complete: null,
  streaming: 'Writing…',
  stopped: 'Stopped',
  interrupted: 'Interrupted',
  error: 'Error',
};

/** The engine's state as one short line. */
export function describeEngine(status: EngineStatus | null): string {
  if (status === null) return 'Connecting…';
  const name = status.modelName ?? 'the model';
  switch (status.state) {
    case 'noModel':
      return 'No model loaded';
    case 'loading':
      // The percentage is shown beside the line (a progress bar), so the live status is not re-announced per step.
      return `Loading ${name}…`;
    case 'ready':
      return status.contextSize === null
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
