import { acceleratorText, type AcceleratorPlatform } from '../../common/accelerator';

/** What a tray entry does; the controller runs it. */
export type TrayAction = 'openMain' | 'toggleQuick' | 'quit';

/** One line of the tray's menu: an action, or a line of text (the shortcut hint), or a separator. */
export type TrayEntry =
  | { kind: 'action'; label: string; action: TrayAction }
  | { kind: 'text'; label: string }
  | { kind: 'separator' };

export interface TrayMenuOptions {
  platform: AcceleratorPlatform;
  /** The global shortcut registered now, or `null` when none is. */
  shortcut: string | null;
}

/**
 * The tray icon's menu: open the chat window, the quick prompt, a reminder of the shortcut (or where to set one),
 * and Quit. Pure, so it is tested without Electron.
 */
export function trayMenu({ platform, shortcut }: TrayMenuOptions): TrayEntry[] {
  const hint =
    shortcut === null
      ? 'No global shortcut: set one in Settings'
      : `Quick prompt from anywhere: ${acceleratorText(shortcut, platform)}`;
  return [
    { kind: 'action', label: 'Open Phi Desk', action: 'openMain' },
    { kind: 'action', label: 'Quick prompt', action: 'toggleQuick' },
    { kind: 'text', label: hint },
    { kind: 'separator' },
    { kind: 'action', label: 'Quit Phi Desk', action: 'quit' },
  ];
}
