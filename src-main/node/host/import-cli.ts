import { defaultDataDir } from '../paths/data-dir';
import { runCommandInTerminal } from './history-terminal';
import { runImportCommand } from './history-command';

/** `npm run import -- <file…>`: see `runImportCommand`. */
await runCommandInTerminal(runImportCommand, defaultDataDir());
