import type { ScrollOptions, ScrollResult } from '../probe-api';
import type { FrameRecorder } from './frame-recorder';
import { isShown, listElement, rowCount, scrollParent } from './targets';

/**
 * Scroll a virtual list towards one end: in every frame, move the view by its own height (`speed: 'viewport'` — a
 * hard fling: each frame brings a whole screen of new rows to render) or by as many pixels as the clock says at the
 * given speed. At the end of what is loaded the view cannot move until the app has fetched the next page (the message
 * list fetches older pages as the reader nears the top, as it does for a user); those frames are labelled `wait`.
 * Done when the view is at the list's far end and `until` is shown, or after `until.forMs`. Frames are recorded
 * throughout, with the most rows in the page at once.
 */
export function scrollThrough(options: ScrollOptions, recorder: FrameRecorder): Promise<ScrollResult> {
  const list = listElement(options.list);
  const scroller = list && scrollParent(list);
  if (!list || !scroller) return Promise.reject(new Error(`no ${options.list} list on the page`));
  const { until, speed } = options;
  const up = options.direction === 'up';
  const atEnd = (): boolean => (up ? scroller.scrollTop <= 0 : scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1);
  const started = performance.now();
  let maxRows = rowCount(list);
  let moves = 0;
  let waits = 0;
  let distance = 0;
  /** Pixels the clock says are due and not yet scrolled (a fraction carries over to the next frame). */
  let due = 0;
  let last = started;
  recorder.start();
  return new Promise((resolve) => {
    const finish = (complete: boolean): void => {
      const { frames, longFrames } = recorder.stop();
      resolve({ complete, frames, longFrames, moves, waits, distance: Math.round(distance), maxRows, ms: Math.round(performance.now() - started) });
    };
    // Runs after the recorder's callback in the same frame (it was registered later), so its label lands on this frame.
    const step = (now: number): void => {
      maxRows = Math.max(maxRows, rowCount(list));
      if ('forMs' in until ? now - started >= until.forMs : atEnd() && isShown(until)) return finish(true);
      if (now - started > options.timeoutMs) return finish(false);
      const viewport = scroller.clientHeight;
      due = speed === 'viewport' ? viewport : Math.min(viewport, due + (speed * Math.max(0, now - last)) / 1000);
      last = now;
      const before = scroller.scrollTop;
      scroller.scrollTop = before + (up ? -1 : 1) * Math.floor(due);
      const moved = Math.abs(scroller.scrollTop - before);
      if (moved > 0) {
        moves++;
        distance += moved;
        due -= Math.min(due, moved);
      } else if (due >= 1) {
        waits++;
        recorder.label('wait');
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
}
