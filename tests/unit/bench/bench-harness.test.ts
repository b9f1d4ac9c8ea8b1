import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TINY_SHAPE } from '../../support/synthetic-model/synthetic-phi2';
import { ensureBenchModel } from '../../bench/engine/bench-model';
import { processTree, readProcMemory, TreeMemorySampler } from '../../bench/engine/proc-memory';
import { formatTable, storeRows } from '../../bench/report';

describe('benchmark model cache', () => {
  let dir: string;
  const previous = process.env.PHI_DESK_BENCH_CACHE;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'phi-bench-cache-'));
    process.env.PHI_DESK_BENCH_CACHE = dir;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.PHI_DESK_BENCH_CACHE;
    else process.env.PHI_DESK_BENCH_CACHE = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the model once, reuses it while its header matches, and rewrites a damaged or truncated one', async () => {
    const first = await ensureBenchModel(TINY_SHAPE);
    expect(first.written).toBe(true);
    expect(first.path.startsWith(dir)).toBe(true);
    expect(statSync(first.path).size).toBe(first.bytes);

    expect(await ensureBenchModel(TINY_SHAPE)).toMatchObject({ path: first.path, written: false });

    const fd = openSync(first.path, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, 200); // inside the metadata
    writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, 200);
    closeSync(fd);
    expect(await ensureBenchModel(TINY_SHAPE)).toMatchObject({ written: true });

    truncateSync(first.path, first.bytes - 1);
    expect(await ensureBenchModel(TINY_SHAPE)).toMatchObject({ written: true });
    expect(statSync(first.path).size).toBe(first.bytes);
  });
});

describe.runIf(process.platform === 'linux')('process memory', () => {
  it('reads VmHWM and finds child processes in the tree', async () => {
    const own = readProcMemory(process.pid);
    expect(own?.peakRss).toBeGreaterThanOrEqual(own?.rss ?? Number.POSITIVE_INFINITY);
    expect(own?.rss).toBeGreaterThan(10 << 20);

    // The child says when its buffer is resident (a fixed wait was too short on a loaded machine).
    const child = spawn(process.execPath, ['-e', 'const b = Buffer.alloc(64 << 20, 1); console.log("ready"); setTimeout(() => b, 30000)']);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the child exited early (${code})`)));
      });
      expect(processTree(process.pid)).toContain(child.pid);
      const sampler = new TreeMemorySampler(child.pid ?? -1, 50);
      sampler.sample();
      const peak = sampler.stop();
      expect(peak.processes.map((p) => p.pid)).toEqual([child.pid]);
      expect(peak.peakRss).toBeGreaterThan(64 << 20); // the 64 MiB buffer is resident
    } finally {
      child.kill();
    }
  });
});

describe('report', () => {
  it('judges the store figures against the targets and prints an aligned table', () => {
    const rows = storeRows({
      conversations: 10,
      messages: 1_000_000,
      buildSeconds: 1,
      databaseBytes: 1e9,
      bytesPerMessage: 1000,
      search: { queries: 10, p50Ms: 5, p95Ms: 60, maxMs: 90, meanHits: 3 },
      firstPage: { messages: 50, coldMs: 2, p50Ms: 1, p95Ms: 1 },
      streamingBatch: { batches: 10, charsPerBatch: 100, p50Us: 100, p95Us: 200 },
      openQuickCheckMs: 10,
      integrityWalk: { ms: 3, longestStepMs: 1 },
      startup: {
        messages: 1_000_000,
        cases: [
          { case: 'clean', listeningMs: 300, navigationMs: 400, firstPaintMs: 700, readyMs: 900, pageReadyMs: 950, checkedMs: 5000, ping: { opening: { count: 20, maxMs: 40, p99Ms: 30 }, afterReady: { count: 70, maxMs: 60, p99Ms: 30 } }, loopDelayMaxMs: 20, panelMs: 800, loadAverage: [1.5, 1.6] },
          { case: 'update pending', listeningMs: 300, navigationMs: 400, firstPaintMs: 1200, readyMs: 200_000, pageReadyMs: 200_100, checkedMs: 205_000, ping: { opening: { count: 3900, maxMs: 150, p99Ms: 20 }, afterReady: { count: 100, maxMs: 90, p99Ms: 40 } }, loopDelayMaxMs: 140, panelMs: 1300, loadAverage: [1.5, 2] },
        ],
      },
    });
    const byId = Object.fromEntries(rows.map((row) => [row.id, row.pass]));
    expect(byId).toMatchObject({ searchP95Ms: false, firstPageMs: true, streamingBatchP95Us: true, bytesPerMessage: null });
    expect(byId).toMatchObject({
      startupCleanFirstPaintMs: true,
      startupCleanOpeningMaxPingMs: true,
      startupCleanAfterReadyMaxPingMs: true,
      startupCleanReadyMs: null,
      startupUpdatePendingFirstPaintMs: false,
      startupUpdatePendingOpeningMaxPingMs: false,
      startupUpdatePendingAfterReadyMaxPingMs: true,
    });
    const table = formatTable(rows).split('\n');
    expect(table[0]).toMatch(/^scenario\s+figure\s+baseline\s+ratio\s+target\s+pass$/);
    expect(table.find((line) => line.startsWith('search p95'))).toMatch(/60 ms .*< 50 ms\s+FAIL$/);
    expect(table.find((line) => line.startsWith('start-up, update pending'))).toMatch(
      /^start-up, update pending \(1M msgs, load 1\.5\): first paint\s+1200 ms .*< 1,000 ms\s+FAIL$/,
    );
  });
});
