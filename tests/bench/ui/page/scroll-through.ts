import type { ScrollOptions, ScrollResult } from '../probe-api';
import type { FrameRecorder } from './frame-recorder';
import { isShown, listElement, rowCount, scrollParent } from './targets';

/**
 * Scroll a virtual list from one end to the other as fast as the page draws: in every frame, move the view by its
 * own height (a viewport per frame — a hard fling; each frame brings a whole screen of new rows to render). At the
 * end of what is loaded the view cannot move until the app has fetched the next page (the messages list fetches older
 * pages as the reader nears the top, as it does for a user); those frames are labelled `wait`. Done when the view is
 * at the list's far end and `until` is shown. Frames are recorded throughout, with the most rows in the page at once.
 */
export function scrollThrough(options: ScrollOptions, recorder: FrameRecorder): Promise<ScrollResult> {
  const list = listElement(options.list);
  const scroller = list && scrollParent(list);
  if (!list || !scroller) return Promise.reject(new Error(`no ${options.list} list on the page`));
  const up = options.direction === 'up';
  const atEnd = (): boolean => (up ? scroller.scrollTop <= 0 : scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1);
  const started = performance.now();
  let maxRows = rowCount(list);
  let moves = 0;
  let waits = 0;
  let distance = 0;
  recorder.start();
  return new Promise((resolve) => {
    const finish = (complete: boolean): void => {
      const { frames, longFrames } = recorder.stop();
      resolve({ complete, frames, longFrames, moves, waits, distance: Math.round(distance), maxRows, ms: Math.round(performance.now() - started) });
    };
    // Runs after the recorder's callback in the same frame (it was registered later), so its label lands on this frame.
    const step = (): void => {
      maxRows = Math.max(maxRows, rowCount(list));
      if (atEnd() && isShown(options.until)) return finish(true);
      if (performance.now() - started > options.timeoutMs) return finish(false);
      const before = scroller.scrollTop;
      scroller.scrollTop = before + (up ? -1 : 1) * scroller.clientHeight;
      const moved = Math.abs(scroller.scrollTop - before);
      if (moved > 0) {
        moves++;
        distance += moved;
      } else {
        waits++;
        recorder.label('wait');
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
}
