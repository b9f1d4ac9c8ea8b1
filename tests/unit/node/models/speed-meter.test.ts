import { describe, expect, it } from 'vitest';
import { SpeedMeter } from '../../../../src-main/node/models/speed-meter';

/** A meter on a hand-driven clock. */
function meter(): { meter: SpeedMeter; advance: (ms: number) => void } {
  let time = 0;
  return { meter: new SpeedMeter(() => time, { halfLifeMs: 3000, sampleMs: 500 }), advance: (ms) => (time += ms) };
}

describe('SpeedMeter', () => {
  it('knows no speed and no ETA before the first sample', () => {
    const { meter: speed, advance } = meter();
    advance(100);
    speed.add(1000);
    expect(speed.bytesPerSecond).toBeNull();
    expect(speed.etaSeconds(5000)).toBeNull();
    expect(speed.etaSeconds(0)).toBe(0);
  });

  it('measures a steady rate exactly, with an ETA that counts down', () => {
    const { meter: speed, advance } = meter();
    const etas: number[] = [];
    let remaining = 10_000_000;
    for (let i = 0; i < 20; i++) {
      advance(500);
      speed.add(500_000); // 1 MB/s
      remaining -= 500_000;
      etas.push(speed.etaSeconds(remaining)!);
    }
    expect(speed.bytesPerSecond).toBe(1_000_000);
    expect(etas[0]).toBe(10); // 9.5 MB left at 1 MB/s, rounded up
    for (let i = 1; i < etas.length; i++) expect(etas[i]!).toBeLessThanOrEqual(etas[i - 1]!);
    expect(etas.at(-1)).toBe(0);
  });

  it('smooths a sudden change instead of jumping to it', () => {
    const { meter: speed, advance } = meter();
    for (let i = 0; i < 10; i++) {
      advance(500);
      speed.add(500_000); // 1 MB/s
    }
    advance(500);
    speed.add(5_000_000); // one burst at 10 MB/s
    expect(speed.bytesPerSecond).toBeGreaterThan(1_000_000);
    expect(speed.bytesPerSecond).toBeLessThan(3_000_000);
  });

  it('forgets the old rate after a reset', () => {
    const { meter: speed, advance } = meter();
    advance(500);
    speed.add(5_000_000);
    speed.reset();
    expect(speed.bytesPerSecond).toBeNull();
    advance(1000);
    speed.add(1000);
    expect(speed.bytesPerSecond).toBe(1000);
  });
});
