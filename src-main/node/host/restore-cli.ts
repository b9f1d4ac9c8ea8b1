import { defaultDataDir } from '../paths/data-dir';
import { runRestoreCommand } from './restore-command';

/** `npm run restore -- [--data <dir>] [--backup <file>|latest]`: see `runRestoreCommand`. */
const result = runRestoreCommand(process.argv.slice(2), defaultDataDir());
for (const line of result.stdout) console.log(line);
for (const line of result.stderr) console.error(line);
process.exitCode = result.code;
