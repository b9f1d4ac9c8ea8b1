import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ESM_BUNDLE } from '../../../scripts/engine-worker-bundle';

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
});
