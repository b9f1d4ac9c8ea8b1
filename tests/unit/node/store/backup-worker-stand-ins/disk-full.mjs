// A backup worker whose copy fails as on a full disk, and that leaves its partial file for the host to remove.
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { plan } = workerData;
parentPort.postMessage({ t: 'copying' });
writeFileSync(plan.temporary, 'the first pages of a copy');
parentPort.postMessage({
  t: 'failed',
  code: 'DB_FULL',
  message: `Could not back up ${plan.databaseFile} to ${plan.file}: the disk is full (SQLITE_FULL: database or disk is full)`,
});
