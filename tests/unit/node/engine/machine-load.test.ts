import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MachineLoad } from '../../../../src-main/node/engine/machine-load';

// The other programs' CPU load as the engine reads it: a real busy process on this machine counts, the engine's own
// busy threads do not.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds a process has used (Linux: utime + stime from /proc, in clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('MachineLoad', () => {
  it.runIf(process.platform === 'linux')('counts what another program burns, in cores', async () => {
    const load = new MachineLoad();
    expect(load.othersBusyCores()).toBeNull(); // nothing to compare with yet

    const burner = spawn(process.execPath, ['-e', 'console.log("go"); for (;;) {}']);
    try {
      await new Promise<void>((resolve) => burner.stdout.once('data', () => resolve()));
      const cpuBefore = cpuSecondsOf(burner.pid!);
      const started = performance.now();
      load.othersBusyCores();
      await sleep(800);
      const others = load.othersBusyCores();
      const burnerCores = (cpuSecondsOf(burner.pid!) - cpuBefore) / ((performance.now() - started) / 1000);
      // However busy the machine already is, the burner's share is in the figure (it is one of the others).
      expect(burnerCores).toBeGreaterThan(0.3);
      expect(others).toBeGreaterThan(0.8 * burnerCores);
    } finally {
      burner.kill('SIGKILL');
    }
  });

  it('works out the others from the counters: busy time of every core, less its own, over wall time', () => {
    let wall = 0;
    let own = 0;
    let busy = 0;
    const core = (): { model: string; speed: number; times: { user: number; nice: number; sys: number; idle: number; irq: number } } => ({
      model: 'test',
      speed: 1,
      times: { user: busy / 2, nice: 0, sys: 0, idle: 0, irq: 0 },
    });
    const load = new MachineLoad({
      cpus: () => [core(), core()],
      ownUsage: () => ({ user: own * 1000, system: 0 }),
      now: () => wall,
    });
    expect(load.othersBusyCores()).toBeNull();
    // One second: the machine was busy 1.5 core-seconds, 0.4 of them this process's.
    wall += 1000;
    busy += 1500;
    own += 400;
    expect(load.othersBusyCores()).toBeCloseTo(1.1);
    // Too soon to tell.
    wall += 10;
    expect(load.othersBusyCores()).toBeNull();
    // Only its own work: the others are idle.
    wall += 990;
    busy += 800;
    own += 800;
    expect(load.othersBusyCores()).toBeCloseTo(0);
  });
});
