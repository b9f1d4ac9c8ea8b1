/**
 * The desktop app's command line, as plain functions (tested under Node): what a launch asks for, and the one
 * `--enable-features` switch Chromium is given.
 */

/** What a launch of `phi-desk` asks for. */
export interface LaunchRequest {
  /** `--quick`: show the quick prompt (a desktop-environment shortcut can run `phi-desk --quick`). */
  quick: boolean;
  /** `--model <file>` (or `--model=<file>`): load this model. */
  model: string | null;
}

/**
 * Read a launch's arguments (`process.argv`, or the `argv` a second instance passes to `second-instance`), skipping
 * the executable (and the app path, unpackaged). Unknown arguments — Chromium's own switches among them — are
 * ignored rather than refused: a second instance must never fail on them.
 */
export function parseLaunchArgs(args: readonly string[]): LaunchRequest {
  let quick = false;
  let model: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--quick') quick = true;
    else if (arg === '--model' && i + 1 < args.length) model = args[++i] ?? null;
    else if (arg.startsWith('--model=')) model = arg.slice('--model='.length);
  }
  return { quick, model: model === '' ? null : model };
}

/**
 * The value of the one `--enable-features` switch: the features already asked for (by the user, or an earlier
 * switch) followed by `add`, without duplicates. Chromium reads only one `--enable-features`, so appending a second
 * switch would silently drop the first.
 */
export function mergeEnableFeatures(existing: string | null | undefined, add: readonly string[]): string {
  const features = (existing ?? '')
    .split(',')
    .map((feature) => feature.trim())
    .filter((feature) => feature !== '');
  for (const feature of add) if (!features.includes(feature)) features.push(feature);
  return features.join(',');
}

/**
 * Chromium features the desktop app turns on for a platform: on Linux, `GlobalShortcutsPortal`, so a global shortcut
 * works under Wayland through the desktop's portal (GNOME, KDE) where the X11 way cannot; harmless under X11.
 */
export function desktopFeatures(platform: string): string[] {
  return platform === 'linux' ? ['GlobalShortcutsPortal'] : [];
}
