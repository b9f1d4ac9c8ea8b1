import { app, dialog, safeStorage, session } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppEngine } from '../node/engine/process/create-engine';
import { startApp, type StartingApp } from '../node/host/startup/start-app';
import { FileSecretStore, SECRETS_FILE } from '../node/secrets/secret-store';
import { DesktopController } from '../node/desktop/desktop-controller';
import { desktopFeatures, mergeEnableFeatures, parseLaunchArgs } from '../node/desktop/launch-args';
import { registerAppScheme, serveRendererFiles } from './app-protocol';
import { ElectronDesktopPort } from './desktop-port';
import { IpcPort } from './ipc-port';
import { utilityProcessLauncher } from './engine-process';
import { chooseHistoryPath, chooseModelFile } from './file-dialogs';
import { configureSession, guardAllWebContents } from './security';
import { openAppLog } from '../node/logs/app-log';
import { utilityStoreProcessLauncher } from './store-process';

// The bundle lives in dist/electron/; the renderer in dist/renderer/.
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, 'preload.cjs');
/** Copied next to the bundle by scripts/build-electron.ts. */
const trayIcon = path.join(here, 'tray-icon.png');

/**
 * better-sqlite3 is ABI-bound: node_modules holds the build for Node (the tests use it), and the desktop app loads
 * a separate Electron build — shipped in resources/native when packaged, prepared in .cache by `npm start`.
 */
function sqliteBinding(): string | undefined {
  const file = app.isPackaged
    ? path.join(process.resourcesPath, 'native', 'better_sqlite3.node')
    : path.join(here, '..', '..', '.cache', 'electron-native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}

/** This launch's arguments (after the executable, and the app path when not packaged). */
const launch = parseLaunchArgs(process.argv.slice(app.isPackaged ? 1 : 2));

/** A model named at launch (`--model <file>`, else $PHI_DESK_MODEL); it becomes the saved model. */
function modelFromCommandLine(): string | undefined {
  if (launch.model !== null) return path.resolve(launch.model);
  if (process.env.PHI_DESK_MODEL) return path.resolve(process.env.PHI_DESK_MODEL);
  return undefined;
}

// $PHI_DESK_DATA_DIR moves the data folder (and with it the single-instance lock): the Electron smoke test runs the
// app on a fresh folder of its own.
if (process.env.PHI_DESK_DATA_DIR) app.setPath('userData', path.resolve(process.env.PHI_DESK_DATA_DIR));

registerAppScheme();
// Chromium reads one --enable-features: add ours (Wayland's global-shortcuts portal on Linux) to any already given.
const features = desktopFeatures(process.platform);
if (features.length > 0) {
  app.commandLine.appendSwitch('enable-features', mergeEnableFeatures(app.commandLine.getSwitchValue('enable-features'), features));
}
// Before any window exists: every web contents, whoever creates it, is hardened the moment it is made.
guardAllWebContents();

if (!app.requestSingleInstanceLock()) {
  // Another Phi Desk is running: it gets our arguments (second-instance below: `--quick` shows its quick prompt).
  app.quit();
} else {
  let starting: StartingApp | undefined;
  let ipcPort: IpcPort | undefined;
  let controller: DesktopController | undefined;
  let port: ElectronDesktopPort | undefined;
  /** Set once quitting has begun: the app is being disposed. */
  let quitting = false;

  app.on('second-instance', (_event, argv) => controller?.secondInstance(argv));

  app
    .whenReady()
    .then(async () => {
      configureSession(session.defaultSession, process.platform);
      const dataDir = app.getPath('userData');
      const log = openAppLog(dataDir);
      const nativeBinding = sqliteBinding();
      const model = modelFromCommandLine();
      // The single-instance lock came first (above); this takes the data folder's lock and starts opening the store in
      // a utility process of its own, while the window shows at once with the start-up panel.
      starting = startApp({
        dataDir,
        // llama.cpp runs in a utility process of its own (dist/electron/engine-worker.js): a crash there is survivable.
        engine: createAppEngine({
          dataDir,
          launch: utilityProcessLauncher(path.join(here, 'engine-worker.js')),
          onLog: (level, message) => log.write(level, message),
        }),
        host: 'electron',
        version: app.getVersion(),
        onLog: (level, message) => log.write(level, message),
        ...(nativeBinding ? { nativeBinding } : {}),
        launchStoreProcess: utilityStoreProcessLauncher(path.join(here, 'store-process.js')),
        models: { chooseFile: () => chooseModelFile(port?.mainWindow) },
        // The save dialog confirms replacing a file, so the window passes `overwrite: true` for a path chosen here.
        history: { choosePath: (request) => chooseHistoryPath(port?.mainWindow, request) },
        // API keys encrypted by the system (Keychain, DPAPI, the Secret Service), a file of ciphertext in the data folder.
        secrets: new FileSecretStore(path.join(dataDir, SECRETS_FILE), { encryptor: safeStorage }),
        // The model named at launch, else the one chosen last time (as soon as the store has said which), else none:
        // the window offers to download Phi-2 or pick a file. Either loads while the store opens.
        ...(model ? { modelPath: model } : {}),
      });
      const app_ = starting;
      app_.modelLoaded.catch((error: unknown) => log.write('error', 'Loading the model failed', error));
      ipcPort = new IpcPort(app_.handlers, log);
      const ipc = ipcPort;
      app_.onPush((event) => ipc.push(event));
      serveRendererFiles(rendererDir);

      port = new ElectronDesktopPort({
        context: { preloadPath, packaged: app.isPackaged, platform: process.platform },
        trayIcon,
        dataDir,
        ipcPort: ipc,
        push: (event) => app_.push(event),
      });
      // The window before the store is open, whatever the size of the history.
      if (!launch.quick) void port.showMainWindow();

      // The desktop shell (global shortcut, quick prompt window, tray, menu) needs the settings: once the store is open.
      const composed = await app_.ready;
      const desktop = port;
      const shell = new DesktopController(desktop, { appName: 'Phi Desk', development: !app.isPackaged });
      controller = shell;
      desktop.attach(shell);
      desktop.onMainClosed = () => shell.mainWindowClosed();
      app_.attachWindows(shell);
      // A shortcut the system refuses is refused before it is stored; the one in force stays.
      composed.settings.setGate((next, previous) => shell.gateSettings(next, previous));
      composed.onPush((event) => {
        if (event.type === 'onSettingsChanged') shell.settingsChanged(event.settings);
      });
      shell.start(composed.settings.get());
      if (launch.quick) shell.showQuick();
    })
    .catch((error: unknown) => {
      // Quitting while the store still opened stops the start: nothing to tell.
      if (quitting) return;
      // E.g. the database is locked by another program or cannot be written: say so in words, then leave.
      dialog.showErrorBox('Phi Desk could not start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });

  app.on('activate', () => {
    if (app.isReady() && port) void port.showMainWindow();
  });

  // The hidden quick window keeps this from firing while the app runs; the controller decides on the chat window's
  // close (`mainWindowClosed`: keep running in the tray, or quit).
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', (event) => {
    // Global shortcuts are the system's: give them back first, whatever happens next.
    controller?.stop();
    if (quitting || !starting) return;
    // Dispose the engine and close the database before exiting, so nothing is left half-written. Quitting while the
    // store still opens stops its process: the update step under way is undone, and done again at the next start.
    event.preventDefault();
    quitting = true;
    ipcPort?.dispose();
    void starting.dispose().finally(() => app.exit(0));
  });
}
