import { MARKDOWN_MEASURE } from '../../../../src-renderer/lib/markdown/render-timing';
import { PROBE_GLOBAL, type MarkdownEntry, type PaintTarget, type UiProbe } from '../probe-api';
import { FrameRecorder } from './frame-recorder';
import { ClickToPaint, NavigationToPaint } from './paint-watch';
import { scrollThrough } from './scroll-through';
import { isShown } from './targets';

/**
 * The UI benchmark's probe, bundled by the benchmark and injected into the app's page before the app's own scripts
 * (Playwright's init script): it measures frames, paints and scrolls inside the page, where they happen, and hands
 * figures back. Installed as a global of the benchmark's page only; the app knows nothing of it.
 *
 * `watchFromStart(targets)` starts timing the paint of `targets` from the navigation's start; the benchmark appends
 * that call to the init script when it measures a page load.
 */
const recorder = new FrameRecorder();
const clickToPaint = new ClickToPaint();
let navigation: NavigationToPaint | null = null;

const probe: UiProbe & { watchFromStart(targets: Record<string, PaintTarget>): void } = {
  startFrames: () => recorder.start(),
  stopFrames: () => recorder.stop(),
  isShown,
  armClickToPaint: (target) => clickToPaint.arm(target),
  clickToPaint: (timeoutMs) => clickToPaint.result(timeoutMs),
  watchFromStart(targets) {
    navigation = new NavigationToPaint(targets);
  },
  navigationToPaint(timeoutMs) {
    return navigation ? navigation.result(timeoutMs) : Promise.reject(new Error('no paint was watched from the start'));
  },
  scrollThrough: (options) => scrollThrough(options, recorder),
  markdownEntries: () =>
    (performance.getEntriesByName(MARKDOWN_MEASURE, 'measure') as PerformanceMeasure[]).map(
      (entry): MarkdownEntry => ({ start: entry.startTime, duration: entry.duration, detail: entry.detail as MarkdownEntry['detail'] }),
    ),
  clearMarkdownEntries: () => performance.clearMeasures(MARKDOWN_MEASURE),
};

Object.defineProperty(globalThis, PROBE_GLOBAL, { value: probe });
