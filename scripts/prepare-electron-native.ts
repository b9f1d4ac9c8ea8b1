/**
 * Build better-sqlite3 for Electron's ABI without touching node_modules (which stays built for Node, so `npm test`
 * keeps working). The result goes to .cache/electron-native/electron-<version>/better_sqlite3.node, which the app
 * passes to better-sqlite3 as `nativeBinding`, and to dist/native/ for packaging (electron-builder.yml ships it as
 * resources/native). A prebuilt binary is fetched when one exists; otherwise it compiles with node-gyp against
 * Electron's headers. Both need the network, as installing Electron does.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const electronVersion = (require('electron/package.json') as { version: string }).version;
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const cacheDir = path.resolve('.cache', 'electron-native', `electron-${electronVersion}`);
const target = path.join(cacheDir, 'better_sqlite3.node');
const packaged = path.resolve('dist', 'native', 'better_sqlite3.node');

function run(command: string, args: string[], cwd: string): boolean {
  try {
    execFileSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
    return true;
  } catch {
    return false;
  }
}

if (!existsSync(target)) {
  const work = path.join(cacheDir, 'better-sqlite3');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // Copy the sources only: the copy's build/ is ours to overwrite.
  cpSync(sqliteDir, work, { recursive: true, filter: (source) => !source.includes(`${path.sep}build${path.sep}`) && !source.endsWith(`${path.sep}build`) });
  const prebuildInstall = path.join(path.dirname(require.resolve('prebuild-install/package.json')), 'bin.js');
  // node-gyp: ours if installed, else the one npm itself ships with (npm's own native builds use it).
  const nodeGyp = (() => {
    try {
      return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
    } catch {
      return ['npx', '--yes', 'node-gyp'];
    }
  })();
  const arch = process.arch;
  console.log(`Preparing better-sqlite3 for Electron ${electronVersion} (${process.platform}-${arch})…`);
  const ok =
    run(process.execPath, [prebuildInstall, '--runtime=electron', `--target=${electronVersion}`, `--arch=${arch}`], work) ||
    run(nodeGyp[0]!, [...nodeGyp.slice(1), 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers'], work);
  const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
  if (!ok || !existsSync(built)) {
    console.error(
      `Could not get better-sqlite3 for Electron ${electronVersion}: no prebuilt binary could be downloaded and compiling failed.\n` +
        'Check your network connection (Electron itself downloads the same way) and that a C++ toolchain is installed.',
    );
    process.exit(1);
  }
  cpSync(built, target);
  rmSync(work, { recursive: true, force: true });
}
mkdirSync(path.dirname(packaged), { recursive: true });
cpSync(target, packaged);
console.log(`better-sqlite3 for Electron ${electronVersion}: ${target}`);
