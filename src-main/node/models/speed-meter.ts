/**
 * A transfer rate smoothed with an exponential moving average, so the speed and ETA a user sees do not jump with
 * every TCP window. Rate samples are taken at most every `sampleMs`; each one pulls the average towards it by a
 * weight that depends on the time it covers (`halfLifeMs` = how long until an old rate counts half), so irregular
 * chunk timing does not skew the result.
 */
export class SpeedMeter {
  private average: number | null = null;
  private sampleStart: number;
  private sampleBytes = 0;
  private total = 0;

  constructor(
    private readonly now: () => number,
    private readonly options: { halfLifeMs: number; sampleMs: number } = { halfLifeMs: 3000, sampleMs: 500 },
  ) {
    this.sampleStart = now();
  }

  /** Starts over (a new transfer after a pause or a retry): the old rate says little about the new connection. */
  reset(): void {
    this.average = null;
    this.sampleStart = this.now();
    this.sampleBytes = this.total;
  }

  /** Counts `bytes` more received. */
  add(bytes: number): void {
    this.total += bytes;
    const time = this.now();
    const elapsed = time - this.sampleStart;
    if (elapsed < this.options.sampleMs) return;
    const rate = ((this.total - this.sampleBytes) * 1000) / elapsed;
    const weight = this.average === null ? 1 : 1 - 2 ** (-elapsed / this.options.halfLifeMs);
    this.average = this.average === null ? rate : this.average + weight * (rate - this.average);
    this.sampleStart = time;
    this.sampleBytes = this.total;
  }

  /** Smoothed bytes per second; `null` until the first sample. */
  get bytesPerSecond(): number | null {
    return this.average === null ? null : Math.round(this.average);
  }

  /** Seconds to receive `remaining` bytes at the smoothed rate (whole seconds, rounded up); `null` when unknown. */
  etaSeconds(remaining: number): number | null {
    if (remaining <= 0) return 0;
    if (this.average === null || this.average <= 0) return null;
    return Math.ceil(remaining / this.average);
  }
}
