import { describe, expect, it } from 'vitest';
import { AdaptiveThreads, type AdaptiveThreadsOptions } from '../../../../src-main/node/engine/thread-policy';

// The adaptive thread count on a simulated two-core machine, with the figures measured on this project's machines for
// a Phi-2-sized model: one generated token takes ~83 ms on two free cores and ~150 ms on one; with one core taken
// by another program, two threads collapse to ~1,600 ms a token (spinning threads wait for the preempted one) while
// one thread keeps ~150 ms.

/** Per-token ms of one generated token, by threads, on a free machine and with one core busy elsewhere. */
const FREE: Record<number, number> = { 1: 150, 2: 83 };
const ONE_CORE_BUSY: Record<number, number> = { 1: 155, 2: 1_600 };

interface Machine {
  /** Other programs' load, in cores. */
  busy: number;
  /** Multiplies every time (noise). */
  jitter?: () => number;
}

/** Generate `tokens` tokens (or until `untilMs` of simulated time), feeding the policy as the engine would. */
function run(
  policy: AdaptiveThreads,
  clock: { now: number },
  machine: Machine,
  { tokens = Infinity, untilMs = Infinity }: { tokens?: number; untilMs?: number },
): number[] {
  const used: number[] = [];
  let lastLoad = -Infinity;
  for (let i = 0; i < tokens && clock.now < untilMs; i++) {
    if (clock.now - lastLoad >= 250) {
      policy.observeLoad(machine.busy);
      lastLoad = clock.now;
    }
    const threads = policy.threads;
    const table = machine.busy >= 0.5 ? ONE_CORE_BUSY : FREE;
    const ms = (table[threads] ?? 1_000) * (machine.jitter?.() ?? 1);
    clock.now += ms;
    used.push(threads);
    policy.observe({ threads, tokens: 1, ms });
  }
  return used;
}

function twoCores(options: Partial<AdaptiveThreadsOptions> = {}): { policy: AdaptiveThreads; clock: { now: number } } {
  const clock = { now: 0 };
  return { policy: new AdaptiveThreads({ maxThreads: 2, now: () => clock.now, ...options }), clock };
}

/** A seeded noise source: each token's time ×(1 ± `spread`). */
function noise(spread: number, seed = 7): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return 1 + spread * (2 * (state / 2 ** 31) - 1);
  };
}

describe('adaptive threads', () => {
  it('uses every core of a free machine, and stays there', () => {
    const { policy, clock } = twoCores();
    const used = run(policy, clock, { busy: 0 }, { tokens: 500 });
    expect(new Set(used)).toEqual(new Set([2]));
    expect(policy.changes).toEqual([]);
    expect(policy.expectedMs(2)).toBe(83);
  });

  it('drops a thread within a few tokens when another program takes a core, and keeps the generation going', () => {
    const { policy, clock } = twoCores();
    run(policy, clock, { busy: 0 }, { tokens: 100 });
    const startedAt = clock.now;
    const used = run(policy, clock, { busy: 1 }, { untilMs: startedAt + 60_000 });

    // Three slow tokens, then one thread.
    expect(used.slice(0, 3)).toEqual([2, 2, 2]);
    expect(used[3]).toBe(1);
    expect(policy.changes[0]).toMatchObject({ from: 2, to: 1, reason: 'preempted' });
    // While the core stays taken, the load keeps it from probing: no second slow token in a minute.
    expect(used.slice(3).every((threads) => threads === 1)).toBe(true);
    const tokensPerSecond = used.length / 60;
    expect(tokensPerSecond).toBeGreaterThan(0.9 * (1000 / ONE_CORE_BUSY[1]!));
  });

  it('goes back to every core soon after the other program stops', () => {
    const { policy, clock } = twoCores();
    run(policy, clock, { busy: 0 }, { tokens: 50 });
    run(policy, clock, { busy: 1 }, { tokens: 30 });
    expect(policy.threads).toBe(1);

    const freedAt = clock.now;
    const used = run(policy, clock, { busy: 0 }, { untilMs: freedAt + 10_000 });
    const firstTwo = used.indexOf(2);
    expect(firstTwo).toBeGreaterThan(0);
    const timeToRecover = used.slice(0, firstTwo).reduce((sum, threads) => sum + FREE[threads]!, 0);
    expect(timeToRecover).toBeLessThan(5_000); // the bar: back to ≥ 0.9× within 5 s
    expect(used.slice(firstTwo).every((threads) => threads === 2)).toBe(true);
    expect(policy.changes.map((change) => change.reason)).toEqual(['preempted', 'probe', 'probe-kept']);
  });

  it('ignores a lone slow token (a page fault, a garbage collection)', () => {
    const { policy, clock } = twoCores();
    run(policy, clock, { busy: 0 }, { tokens: 20 });
    policy.observe({ threads: 2, tokens: 1, ms: 900 });
    policy.observe({ threads: 2, tokens: 1, ms: 85 });
    policy.observe({ threads: 2, tokens: 1, ms: 900 });
    run(policy, clock, { busy: 0 }, { tokens: 20 });
    expect(policy.changes).toEqual([]);
    expect(policy.expectedMs(2)).toBe(83); // slow tokens teach it nothing
  });

  it('stays on every core through ±30% noise, and still reacts to real contention in it', () => {
    const { policy, clock } = twoCores();
    const jitter = noise(0.3);
    const free = run(policy, clock, { busy: 0, jitter }, { tokens: 2_000 });
    expect(free.filter((threads) => threads !== 2)).toEqual([]);

    const busy = run(policy, clock, { busy: 1, jitter }, { tokens: 20 });
    expect(busy.slice(-10).every((threads) => threads === 1)).toBe(true);
  });

  it('starts with one thread fewer when the machine is already busy and nothing is known yet', () => {
    const { policy, clock } = twoCores();
    const used = run(policy, clock, { busy: 1 }, { tokens: 20 });
    expect(used.slice(0, 4)).toEqual([2, 2, 2, 1]);
    expect(policy.changes[0]).toMatchObject({ reason: 'busy' });
    expect(policy.expectedMs(2)).toBeUndefined(); // contended tokens are not taken as what two threads can do
  });

  it('a probe into a machine that is still busy costs one slow token, and the next probe waits longer', () => {
    const { policy, clock } = twoCores({ probeAfterMs: 1_000 });
    run(policy, clock, { busy: 0 }, { tokens: 20 });
    run(policy, clock, { busy: 1 }, { tokens: 10 });
    // The load says the core is free again, but the program is back by the time two threads run (a bursty load).
    policy.observeLoad(0);
    clock.now += 1_500;
    policy.observe({ threads: 1, tokens: 1, ms: 150 });
    expect(policy.threads).toBe(2);
    policy.observe({ threads: 2, tokens: 1, ms: 1_600 });
    expect(policy.threads).toBe(1);
    expect(policy.changes.at(-1)).toMatchObject({ reason: 'probe-failed' });

    // The next probe waits twice as long: not after 1 s of quiet, but after 2 s.
    clock.now += 1_100;
    policy.observe({ threads: 1, tokens: 1, ms: 150 });
    expect(policy.threads).toBe(1);
    clock.now += 1_000;
    policy.observe({ threads: 1, tokens: 1, ms: 150 });
    expect(policy.threads).toBe(2);
  });

  it('does not climb to a count that is no faster on a free machine (hyper-threads), and does not try it again', () => {
    const clock = { now: 0 };
    const policy = new AdaptiveThreads({ maxThreads: 3, cores: 4, now: () => clock.now });
    // Three threads on this machine are no faster than two.
    const perToken: Record<number, number> = { 1: 150, 2: 83, 3: 84 };
    const feed = (tokens: number, busy: number): void => {
      for (let i = 0; i < tokens; i++) {
        policy.observeLoad(busy);
        const threads = policy.threads;
        const ms = busy >= 1.5 && threads === 3 ? 1_600 : perToken[threads]!;
        clock.now += ms;
        policy.observe({ threads, tokens: 1, ms });
      }
    };
    feed(5, 2); // starts at 3 on a machine with two cores taken: not learned, dropped
    expect(policy.threads).toBe(2);
    feed(100, 0); // free: probes 3, finds it no faster, settles on 2
    expect(policy.threads).toBe(2);
    expect(policy.changes.map((change) => change.reason)).toEqual(['busy', 'probe', 'not-faster']);
    feed(200, 0);
    expect(policy.changes).toHaveLength(3);
  });

  it('judges prompt batches and generated tokens each against their own kind', () => {
    const { policy, clock } = twoCores();
    policy.observeLoad(0);
    // A 512-token prompt on two free threads: ~16 ms a token, much less than a generated token's 83.
    policy.observe({ threads: 2, tokens: 512, ms: 8_000 });
    run(policy, clock, { busy: 0 }, { tokens: 10 });
    expect(policy.expectedMs(2, 512)).toBeCloseTo(8_000 / 512);
    expect(policy.expectedMs(2, 1)).toBe(83);
    // A generated token is not "slow" for being slower than a prompt token.
    expect(policy.changes).toEqual([]);
  });

  it('with one thread allowed (a fixed count of 1) never changes', () => {
    const clock = { now: 0 };
    const policy = new AdaptiveThreads({ maxThreads: 1, cores: 2, now: () => clock.now });
    run(policy, clock, { busy: 1 }, { tokens: 50 });
    run(policy, clock, { busy: 0 }, { tokens: 50 });
    expect(policy.changes).toEqual([]);
    expect(policy.threads).toBe(1);
  });
});

describe('adaptive threads, with batches of several sizes', () => {
  it('judges a probe on the first kind of batch it meets, and ends it at once on any plainly slow batch', () => {
    // A probe that starts just before a prompt step and then meets generated tokens while the machine is busy again:
    // the tokens (another kind than the step) must still undo it, not run at two threads through the contention.
    const clock = { now: 0 };
    const policy = new AdaptiveThreads({ maxThreads: 2, now: () => clock.now, probeAfterMs: 1_000 });
    const batch = (threads: number, tokens: number, ms: number): void => {
      clock.now += ms;
      policy.observe({ threads, tokens, ms });
    };
    policy.observeLoad(0);
    for (let i = 0; i < 20; i++) batch(2, 1, 83); // learned: 83 ms a token at two threads
    policy.observeLoad(1);
    for (let i = 0; i < 3; i++) batch(2, 1, 1_600);
    expect(policy.threads).toBe(1);
    for (let i = 0; i < 20; i++) batch(1, 1, 150); // learned: 150 ms at one thread
    // The other program looks gone (the load reading says so) and the quiet time has passed: the probe at two starts
    // after a 16-token prompt step...
    policy.observeLoad(0);
    batch(1, 16, 16 * 70);
    expect(policy.threads).toBe(2);
    // ...but the core is taken again, and the first generated token is plainly slow at two threads: back to one.
    batch(2, 1, 1_600);
    expect(policy.threads).toBe(1);
    expect(policy.changes.at(-1)).toMatchObject({ from: 2, to: 1, reason: 'probe-failed' });
  });

  it('does not take a small prompt step for a slow one: sizes up to 16 tokens are each their own kind', () => {
    const clock = { now: 0 };
    const policy = new AdaptiveThreads({ maxThreads: 2, now: () => clock.now });
    policy.observeLoad(0);
    // 128-token prompt steps at ~6 ms a token, then 2-token steps (the end of a prefill) at ~45 ms a token: each
    // costs about one generated token, which is normal for a small batch, not preemption.
    for (let i = 0; i < 10; i++) policy.observe({ threads: 2, tokens: 128, ms: 128 * 6 });
    for (let i = 0; i < 10; i++) policy.observe({ threads: 2, tokens: 2, ms: 90 });
    expect(policy.threads).toBe(2);
    expect(policy.changes).toEqual([]);
  });
});
