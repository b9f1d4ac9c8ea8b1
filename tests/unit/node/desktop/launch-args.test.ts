import { describe, expect, it } from 'vitest';
import { desktopFeatures, mergeEnableFeatures, parseLaunchArgs } from '../../../../src-main/node/desktop/launch-args';

describe('launch arguments', () => {
  it('reads --quick and --model, in either form, ignoring Chromium switches and anything unknown', () => {
    expect(parseLaunchArgs([])).toEqual({ quick: false, model: null });
    expect(parseLaunchArgs(['--quick'])).toEqual({ quick: true, model: null });
    expect(parseLaunchArgs(['--enable-features=X', '--model', '/m/phi.gguf', '--quick', 'stray'])).toEqual({
      quick: true,
      model: '/m/phi.gguf',
    });
    expect(parseLaunchArgs(['--model=/m/a.gguf'])).toEqual({ quick: false, model: '/m/a.gguf' });
    expect(parseLaunchArgs(['--model'])).toEqual({ quick: false, model: null });
    expect(parseLaunchArgs(['--model='])).toEqual({ quick: false, model: null });
  });

  it('merges our features into the one --enable-features switch, keeping the user’s and adding none twice', () => {
    expect(mergeEnableFeatures(null, ['GlobalShortcutsPortal'])).toBe('GlobalShortcutsPortal');
    expect(mergeEnableFeatures('', ['GlobalShortcutsPortal'])).toBe('GlobalShortcutsPortal');
    expect(mergeEnableFeatures('UseOzonePlatform,WaylandWindowDecorations', ['GlobalShortcutsPortal'])).toBe(
      'UseOzonePlatform,WaylandWindowDecorations,GlobalShortcutsPortal',
    );
    expect(mergeEnableFeatures(' A , GlobalShortcutsPortal,', ['GlobalShortcutsPortal'])).toBe('A,GlobalShortcutsPortal');
  });

  it('turns on the global-shortcuts portal on Linux only', () => {
    expect(desktopFeatures('linux')).toEqual(['GlobalShortcutsPortal']);
    expect(desktopFeatures('darwin')).toEqual([]);
    expect(desktopFeatures('win32')).toEqual([]);
  });
});
