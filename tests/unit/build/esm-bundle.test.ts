import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleBackupWorker, ESM_BUNDLE } from '../../../scripts/engine-worker-bundle';
import { checkBackup } from '../../../src-main/node/store/backups';

// The desktop app's main process is one ES-module bundle (scripts/build-electron.ts), and so are the store's and the
// engine's processes. CommonJS packages bundled into them (yazl, yauzl, stream-json: export and import) `require`
// Node's modules, which esbuild's ES output refuses at load unless the bundle brings its own `require`. Electron itself
// cannot run here, so the same bundle options are checked on the browser host, which holds everything main.ts does but
// Electron: the bundle must load in plain Node.

// Inside the project, so the packages left outside the bundle resolve from node_modules (as beside the app's own).
mkdirSync('.cache', { recursive: true });
const dir = mkdtempSync(path.resolve('.cache/test-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the app’s ES-module bundles', () => {
  it('load in Node with the CommonJS packages bundled into them (export, import)', async () => {
    const outfile = path.join(dir, 'browser-host.js');
    await build({ ...ESM_BUNDLE, entryPoints: ['src-main/node/host/browser-host.ts'], outfile, target: 'node20' });
    const probe = `import(${JSON.stringify(outfile)}).then((m) => console.log(typeof m.startBrowserHost))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe]);
    expect(stdout.trim()).toBe('function');
  }, 60_000);

  it('include the backup worker, which a bundled host finds beside it and starts', async () => {
    // The desktop app's main process starts dist/electron/backup-worker.js from beside its own bundle; so does this
    // probe, bundled as a host is. Had it not found or started the worker, it would copy on its own thread and warn.
    const folder = path.join(dir, 'backup');
    mkdirSync(folder);
    const probe = path.join(folder, 'backup-bundle-probe.js');
    await Promise.all([
      build({ ...ESM_BUNDLE, entryPoints: ['tests/unit/build/backup-bundle-probe.ts'], outfile: probe, target: 'node20' }),
      bundleBackupWorker(path.join(folder, 'backup-worker.js'), 'node20'),
    ]);
    const { stdout } = await promisify(execFile)(process.execPath, [probe, folder]);
    const { backup, warnings } = JSON.parse(stdout) as { backup: { file: string }; warnings: string[] };
    expect(warnings).toEqual([]);
    expect(path.dirname(path.dirname(backup.file))).toBe(folder);
    expect(checkBackup(backup.file)).toMatchObject({ ok: true });
  }, 60_000);
});
