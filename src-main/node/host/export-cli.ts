import { defaultDataDir } from '../paths/data-dir';
import { runCommandInTerminal } from './history-terminal';
import { runExportCommand } from './history-command';

/** `npm run export -- …`: see `runExportCommand`. */
await runCommandInTerminal(runExportCommand, defaultDataDir());
