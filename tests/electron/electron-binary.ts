import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Electron executable the desktop app runs on, or why there is none here. */
export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

const electronDir = fileURLToPath(new URL('../../node_modules/electron', import.meta.url));

/**
 * Where `require('electron')` would point, without calling it: when the binary is missing, the package's index.js
 * tries to download it (a network call, and a long wait where there is no network). `path.txt` names the executable
 * inside `dist/` once the postinstall download has run; `ELECTRON_OVERRIDE_DIST_PATH` points elsewhere, as the
 * package itself allows. The file must exist.
 */
export function findElectronBinary(): ElectronBinary {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      found: false,
      reason:
        'no Electron binary is installed (node_modules/electron/path.txt is missing: it was installed with ' +
        'ELECTRON_SKIP_BINARY_DOWNLOAD=1). Run `npx install-electron` where the network allows, then run this test again.',
    };
  }
  const executable = readFileSync(pathFile, 'utf8').trim();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? path.join(override, executable) : path.join(electronDir, 'dist', executable);
  if (!existsSync(binary)) return { found: false, reason: `the Electron binary ${binary} named by path.txt does not exist.` };
  return { found: true, path: binary };
}
