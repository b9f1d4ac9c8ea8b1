// A backup worker that dies halfway through its copy: it has said it is copying, has written part of the file, and
// throws (as a bug, or a crash of the thread, would end it).
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

parentPort.postMessage({ t: 'copying' });
writeFileSync(workerData.plan.temporary, 'the first pages of a copy');
throw new Error('the copy went wrong halfway');
