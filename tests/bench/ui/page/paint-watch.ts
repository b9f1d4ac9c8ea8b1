import type { PaintTarget } from '../probe-api';
import { isShown } from './targets';

/**
 * Calls `check` after the rendering of every frame (from a message posted in the frame's animation-frame callback,
 * which runs right after its style, layout and paint), until it returns true or `stop()` is called. What `check` sees
 * then is what that frame painted, and `performance.now()` is the end of that frame's main-thread work.
 */
export function afterEveryFrame(check: () => boolean): { stop(): void } {
  const channel = new MessageChannel();
  let frame = 0;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    cancelAnimationFrame(frame);
    channel.port1.close();
  };
  channel.port1.onmessage = () => {
    if (stopped) return;
    if (check()) stop();
    else frame = requestAnimationFrame(onFrame);
  };
  const onFrame = (): void => channel.port2.postMessage(null);
  frame = requestAnimationFrame(onFrame);
  return { stop };
}

/** Times from the next click to the first frame that paints a target. */
export class ClickToPaint {
  #result: Promise<number> | null = null;

  arm(target: PaintTarget): void {
    if (isShown(target)) throw new Error(`${JSON.stringify(target)} is shown already: nothing to wait for`);
    this.#result = new Promise((resolve) => {
      addEventListener(
        'click',
        (event) => {
          const clickedAt = event.timeStamp;
          afterEveryFrame(() => {
            if (!isShown(target)) return false;
            resolve(performance.now() - clickedAt);
            return true;
          });
        },
        { capture: true, once: true },
      );
    });
  }

  result(timeoutMs: number): Promise<number> {
    const result = this.#result;
    if (!result) return Promise.reject(new Error('nothing armed'));
    this.#result = null;
    return withTimeout(result, timeoutMs, 'the target was not painted after the click');
  }
}

/**
 * Times from the navigation's start to the first frame that paints each of some targets; made by the init script,
 * before the app's own scripts run. It stops looking once all are painted, or after `giveUpMs` (so that a target that
 * never shows costs the frames measured later nothing).
 */
export class NavigationToPaint {
  readonly #times: Record<string, number> = {};
  readonly #all: Promise<Record<string, number>>;

  constructor(targets: Record<string, PaintTarget>, giveUpMs = 60_000) {
    this.#all = new Promise((resolve) => {
      const watch = afterEveryFrame(() => {
        for (const [name, target] of Object.entries(targets)) {
          // performance.now() counts from the navigation's start (the page's time origin).
          if (!(name in this.#times) && document.body && isShown(target)) this.#times[name] = performance.now();
        }
        if (Object.keys(this.#times).length < Object.keys(targets).length) return false;
        resolve({ ...this.#times });
        return true;
      });
      setTimeout(() => watch.stop(), giveUpMs);
    });
  }

  result(timeoutMs: number): Promise<Record<string, number>> {
    return withTimeout(this.#all, timeoutMs, `not all painted (so far: ${JSON.stringify(this.#times)})`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
