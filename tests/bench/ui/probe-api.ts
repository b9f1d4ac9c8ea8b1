import type { FrameSample, LongFrame } from './frame-stats';

/**
 * What the UI benchmark's probe (`page/probe.ts`, injected into the app's page before its own scripts) offers the
 * benchmark. DOM-free types shared by both sides; the Node side calls it through `probe-client.ts`.
 */

/** The global the probe is installed as (in the benchmark's page only: the app itself has no such object). */
export const PROBE_GLOBAL = '__phiDeskUiBench';

/** Something the user waits to see, as the user sees it. */
export type PaintTarget =
  /**
   * Message number `number` of a seeded conversation (its text starts `Message <number>.`), rendered and at least
   * partly inside the message list's visible area; `highlighted`: marked as a search hit too.
   */
  | { kind: 'message'; number: number; highlighted?: boolean }
  /** The sidebar's button of the conversation titled `title`, inside the sidebar's visible area. */
  | { kind: 'conversation'; title: string };

/** Frames recorded in the page, with Chromium's long animation frames over the same time. */
export interface FrameRecording {
  frames: FrameSample[];
  longFrames: LongFrame[];
}

/** A scroll of a virtual list (see `page/scroll-through.ts`). */
export interface ScrollOptions {
  list: 'messages' | 'conversations';
  direction: 'up' | 'down';
  /**
   * How fast: `viewport` moves the view by its own height in every frame (a fling, as fast as the page draws);
   * a number is pixels a second of the clock, whatever the frame rate (a user's scroll does not wait for frames).
   */
  speed: 'viewport' | number;
  /** Scroll to the list's end, done once this is shown there; or for `forMs` (and no further than the end). */
  until: PaintTarget | { forMs: number };
  timeoutMs: number;
}

export interface ScrollResult extends FrameRecording {
  /** False when the time ran out before the end (or before `forMs`: never then). */
  complete: boolean;
  /** Frames in which the view moved, and frames in which it could not (at the loaded end, waiting for a page). */
  moves: number;
  waits: number;
  /** Pixels scrolled in all. */
  distance: number;
  /** The most rows of the list (`li` elements) in the page at once. */
  maxRows: number;
  ms: number;
}

/** One Markdown renderer update recorded by the app (`src-renderer/lib/markdown/render-timing.ts`). */
export interface MarkdownEntry {
  start: number;
  duration: number;
  detail: { chars: number; streaming: boolean; lexedChars: number; lexMs: number; blockRenders: number; appended: boolean };
}

/** The probe's methods; each runs in the page. */
export interface UiProbe {
  /** Start recording frames (a new recording). */
  startFrames(): void;
  /** Stop recording and return what was recorded. */
  stopFrames(): FrameRecording;
  /** Whether `target` is shown now. */
  isShown(target: PaintTarget): boolean;
  /**
   * Watch for `target` to be painted after the next click anywhere in the page (it must not be shown yet). Read the
   * time with {@link clickToPaint}.
   */
  armClickToPaint(target: PaintTarget): void;
  /**
   * Ms from the click (its event's timestamp) to the end of the first frame whose rendering shows the armed target.
   * Rejects after `timeoutMs`.
   */
  clickToPaint(timeoutMs: number): Promise<number>;
  /**
   * Ms from the navigation's start to the end of the first frame whose rendering showed each target given to
   * `watchFromStart` (see `probeInitScript`), once all are shown. Rejects after `timeoutMs`.
   */
  navigationToPaint(timeoutMs: number): Promise<Record<string, number>>;
  /** Scroll a list from end to end, one viewport per frame, recording frames. */
  scrollThrough(options: ScrollOptions): Promise<ScrollResult>;
  /** The Markdown renderer's entries recorded so far (the page must have been opened with `markdown-timing`). */
  markdownEntries(): MarkdownEntry[];
  clearMarkdownEntries(): void;
}
