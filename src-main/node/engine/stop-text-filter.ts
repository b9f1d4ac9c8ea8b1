/**
 * Streaming filters for reply text. The model's text arrives in arbitrary pieces, and a stop string can be split
 * across them (`"\nInst"` + `"ruct:"`), so text that might be the start of a stop string is held back until the
 * next piece decides it. Nothing of a stop string ever reaches the UI.
 */

/** Cuts a text stream at the first stop string, holding back anything that could still become one. */
export class StopTextFilter {
  private pending = '';
  private matched: string | null = null;
  private readonly longestStop: number;

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((stop) => stop.length === 0)) throw new Error('a stop string cannot be empty');
    this.longestStop = Math.max(0, ...stops.map((stop) => stop.length));
  }

  /** Whether a stop string has been seen; later pushes are ignored. */
  get stopped(): boolean {
    return this.matched !== null;
  }

  /** The stop string that ended the stream, if any. */
  get stopText(): string | null {
    return this.matched;
  }

  /** Adds a piece of text; returns the part that is now certainly not (part of) a stop string. */
  push(delta: string): string {
    if (this.matched !== null) return '';
    const text = this.pending + delta;
    let cut = -1;
    for (const stop of this.stops) {
      const index = text.indexOf(stop);
      if (index !== -1 && (cut === -1 || index < cut)) {
        cut = index;
        this.matched = stop;
      }
    }
    if (cut !== -1) {
      this.pending = '';
      return text.slice(0, cut);
    }
    const hold = this.possibleStopStart(text);
    this.pending = text.slice(hold);
    return text.slice(0, hold);
  }

  /** Ends the stream: held text that never became a stop string is released. */
  flush(): string {
    const rest = this.matched === null ? this.pending : '';
    this.pending = '';
    return rest;
  }

  /** Index of the earliest suffix of `text` that is a proper prefix of some stop string (`text.length` if none). */
  private possibleStopStart(text: string): number {
    for (let start = Math.max(0, text.length - this.longestStop + 1); start < text.length; start++) {
      const suffix = text.slice(start);
      if (this.stops.some((stop) => stop.length > suffix.length && stop.startsWith(suffix))) return start;
    }
    return text.length;
  }
}

/**
 * The whole shaping of a streamed reply: cut at stop strings, drop leading whitespace (the model writes the space
 * after `Output:` itself) and trailing whitespace (held back until more text follows it, dropped at the end). The
 * concatenation of everything `push` and `flush` return is the final reply text.
 */
export class ReplyTextFilter {
  private readonly stopFilter: StopTextFilter;
  private started = false;
  private heldWhitespace = '';

  constructor(stops: readonly string[]) {
    this.stopFilter = new StopTextFilter(stops);
  }

  get stopped(): boolean {
    return this.stopFilter.stopped;
  }

  /** Adds raw model text; returns the text to show now (often empty while something is held back). */
  push(delta: string): string {
    return this.shape(this.stopFilter.push(delta));
  }

  /** Ends the reply; returns what was held back and turned out to be reply text. */
  flush(): string {
    const rest = this.shape(this.stopFilter.flush());
    this.heldWhitespace = '';
    return rest;
  }

  private shape(decided: string): string {
    let text = decided;
    if (!this.started) {
      text = text.trimStart();
      if (!text) return '';
      this.started = true;
    }
    text = this.heldWhitespace + text;
    let end = text.length;
    while (end > 0 && /\s/.test(text.charAt(end - 1))) end--;
    this.heldWhitespace = text.slice(end);
    return text.slice(0, end);
  }
}
