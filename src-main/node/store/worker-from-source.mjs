/**
 * Starts a worker thread's TypeScript entry from source (the tests, `npm run serve` from a checkout): a worker does
 * not get the tsx loader its host runs under (Node 20), so it registers tsx for itself first, then imports the entry,
 * the file URL given as its last argument (see `startWorker` in backup-thread.ts). Bundled, the host starts the
 * worker's `.js` directly and this file is not used.
 */
import { argv } from 'node:process';
import { register } from 'tsx/esm/api';

register();
await import(argv[argv.length - 1]);
