import path from 'node:path';
import { DATABASE_FILE } from '../../../src-main/node/host/compose';
import { HistoryService } from '../../../src-main/node/services/history-service';
import { openStore } from '../../../src-main/node/store/open-store';
import { runWorker } from '../engine/worker-process';

/**
 * One export or import of the history benchmark, in a process of its own: its peak RSS (`maxRSS`, the kernel's own
 * high-water mark of this process) is that run's alone, so a run of 10,000 messages and one of 100,000 compare.
 */
export type HistoryJob =
  | { kind: 'export'; dataDir: string; format: 'json' | 'markdown' | 'html'; out: string }
  | { kind: 'import'; dataDir: string; files: string[] };

export interface HistoryJobResult {
  ms: number;
  messages: number;
  conversations: number;
  bytes: number;
  /** Peak resident memory of this process, bytes. */
  peakRss: number;
  /** Resident memory before the work started (modules loaded, store open), bytes. */
  startRss: number;
}

runWorker<HistoryJob, HistoryJobResult>(async (job) => {
  const store = openStore(path.join(job.dataDir, DATABASE_FILE), { markInterrupted: false, check: 'never' });
  try {
    const service = new HistoryService(store, { appVersion: 'bench' });
    const context = { signal: new AbortController().signal, emit: () => undefined };
    const startRss = process.memoryUsage().rss;
    const started = performance.now();
    if (job.kind === 'export') {
      const result = await service.export({ format: job.format, path: job.out, overwrite: true }, context);
      return { ms: performance.now() - started, messages: result.messages, conversations: result.conversations, bytes: result.bytes, peakRss: process.resourceUsage().maxRSS * 1024, startRss };
    }
    const result = await service.import({ paths: job.files }, context);
    if (result.failed.length > 0) throw new Error(`import failed: ${JSON.stringify(result.failed.slice(0, 3))}`);
    return { ms: performance.now() - started, messages: result.messages, conversations: result.imported, bytes: 0, peakRss: process.resourceUsage().maxRSS * 1024, startRss };
  } finally {
    store.close();
  }
});
