/**
 * Bundled beside the backup worker's bundle by esm-bundle.test.ts, as a host is: takes one backup of a new database in
 * the folder given as its argument and prints what came of it (one JSON line), warnings included — a warning means the
 * bundled host did not find or could not start the bundled worker.
 */
import { join } from 'node:path';
import { backupDatabase } from '../../../src-main/node/store/backups';
import { closeDatabase, openDatabase } from '../../../src-main/node/store/open-database';

const folder = process.argv[2];
if (!folder) throw new Error('usage: backup-bundle-probe.js <folder>');
const file = join(folder, 'probe.sqlite');
const db = openDatabase(file);
const warnings: string[] = [];
try {
  const backup = await backupDatabase(db, file, { reason: 'manual', onWarning: (message) => warnings.push(message) });
  console.log(JSON.stringify({ backup, warnings }));
} finally {
  closeDatabase(db);
}
