/**
 * Every keyboard shortcut of the chat window, in one table: the handlers ask {@link resolveShortcut} what a key
 * press means, and the shortcuts sheet lists {@link shortcutSheet} — both read the same rows, so the sheet cannot
 * list a shortcut no handler knows. Pure: no DOM, no Svelte (unit-tested under plain Node).
 */

export type Platform = 'mac' | 'other';
export type SendShortcut = 'enter' | 'mod+enter';

export type ShortcutAction =
  // App-wide (the window's handler, `KeyboardShortcuts.svelte`)
  | 'showShortcuts'
  | 'newChat'
  | 'focusSearch'
  | 'copyLastReply'
  | 'stopReply'
  // The message box (`Composer.svelte`)
  | 'send'
  | 'newLine'
  | 'editLastMessage'
  // A message's editor (`MessageEditor.svelte`)
  | 'saveEdit'
  | 'cancelEdit'
  // Handled by the focused element itself: listed so the sheet is complete
  | 'clearSearch'
  | 'closeDialog';

/** Who asks what a key means: the window (app-wide shortcuts), the message box, or a message's editor. */
export type ShortcutHandler = 'window' | 'composer' | 'editor';

/** The part of a `KeyboardEvent` a shortcut depends on. */
export interface KeyLike {
  key: string;
  /** The physical key (`KeyK`): used for letters when the layout gives no Latin letter (Cyrillic, Greek, …). */
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** An input method (IME) is composing text: its keys belong to it. */
  isComposing?: boolean;
  /** 229 while an IME handles the key (older engines do not set `isComposing` on the first key). */
  keyCode?: number;
  repeat?: boolean;
  /** Something nearer the focus already handled the key (the search box's Esc, a menu's Esc, …). */
  defaultPrevented?: boolean;
}

/** Where the key was pressed. */
export interface KeyPlace {
  handler: ShortcutHandler;
  /** Focus is in a field that takes typed text (input, textarea, contenteditable). */
  inTextField?: boolean;
  /** The focused field is empty (the message box). */
  empty?: boolean;
  /** A modal dialog is open: app-wide shortcuts wait until it closes (Esc closes it). */
  modal?: boolean;
}

export interface ShortcutOptions {
  /** The send-shortcut setting: which of Enter and Ctrl+Enter (⌘+Enter) sends. */
  sendShortcut: SendShortcut;
  /** A web browser (the browser host) rather than the desktop app: some keys may belong to the browser. */
  browser?: boolean;
}

/** One key combination. `mod` is ⌘ on macOS and Ctrl elsewhere. */
export interface Chord {
  /** `KeyboardEvent.key`, letters in lower case: `k`, `/`, `?`, `Enter`, `Escape`, `ArrowUp`. */
  key: string;
  mod?: boolean;
  /** `true`: Shift held; `false`/absent: not held; `any`: either (`?` is Shift+/ on many layouts). */
  shift?: boolean | 'any';
  /** Only when focus is not in a text field (where the key types a character). */
  outsideTextField?: boolean;
  /** Only in an empty field. */
  whenEmpty?: boolean;
}

export type ShortcutGroup = 'Anywhere' | 'Message box' | 'Editing a message' | 'Search, dialogs and menus';

export interface Shortcut {
  action: ShortcutAction;
  /** What it does, in words (the sheet's second column). */
  label: string;
  group: ShortcutGroup;
  /** The handlers that act on it; empty when the focused element does it itself (native dialog, search box). */
  handlers: readonly ShortcutHandler[];
  /** Alternatives: any of them does it. */
  chords: readonly Chord[];
  /** A caveat shown under it. */
  note?: string;
}

/** The whole table, for these settings. The order is the sheet's. */
export function shortcuts(options: ShortcutOptions): Shortcut[] {
  const modEnter = options.sendShortcut === 'mod+enter';
  const enter: Chord = { key: 'Enter' };
  const shiftEnter: Chord = { key: 'Enter', shift: true };
  const ctrlEnter: Chord = { key: 'Enter', mod: true };
  return [
    {
      action: 'showShortcuts',
      label: 'Show keyboard shortcuts',
      group: 'Anywhere',
      handlers: ['window'],
      chords: [{ key: '?', shift: 'any', outsideTextField: true }, { key: '/', mod: true, shift: 'any' }],
    },
    {
      action: 'newChat',
      label: 'New chat',
      group: 'Anywhere',
      handlers: ['window'],
      chords: [{ key: 'n', mod: true }],
      ...(options.browser
        ? { note: 'In a web browser this key may open a new browser window instead; the New chat button always works.' }
        : {}),
    },
    { action: 'focusSearch', label: 'Search conversations', group: 'Anywhere', handlers: ['window'], chords: [{ key: 'k', mod: true }] },
    {
      action: 'copyLastReply',
      label: 'Copy the last reply (Markdown)',
      group: 'Anywhere',
      handlers: ['window'],
      chords: [{ key: 'c', mod: true, shift: true }],
    },
    {
      action: 'stopReply',
      label: 'Stop the reply being written',
      group: 'Anywhere',
      handlers: ['window', 'composer'],
      chords: [{ key: 'Escape' }],
    },
    {
      action: 'send',
      label: 'Send the message',
      group: 'Message box',
      handlers: ['composer'],
      chords: modEnter ? [ctrlEnter] : [enter, ctrlEnter],
    },
    {
      action: 'newLine',
      label: 'New line',
      group: 'Message box',
      handlers: ['composer'],
      chords: modEnter ? [enter, shiftEnter] : [shiftEnter],
    },
    {
      action: 'editLastMessage',
      label: 'Edit your last message (in an empty message box)',
      group: 'Message box',
      handlers: ['composer'],
      chords: [{ key: 'ArrowUp', whenEmpty: true }],
    },
    { action: 'saveEdit', label: 'Save and send the edited message', group: 'Editing a message', handlers: ['editor'], chords: [ctrlEnter] },
    { action: 'cancelEdit', label: 'Cancel editing', group: 'Editing a message', handlers: ['editor'], chords: [{ key: 'Escape' }] },
    {
      action: 'clearSearch',
      label: 'Clear the search (in the search box)',
      group: 'Search, dialogs and menus',
      handlers: [],
      chords: [{ key: 'Escape' }],
    },
    {
      action: 'closeDialog',
      label: 'Close a dialog or menu, cancel renaming',
      group: 'Search, dialogs and menus',
      handlers: [],
      chords: [{ key: 'Escape' }],
    },
  ];
}

/**
 * What a key press means for `place.handler`, or `null` when it is not a shortcut there (let it do what it does).
 * Never a shortcut: keys of an IME composition, keys already handled nearer the focus, Alt/Option (and AltGr,
 * which is Ctrl+Alt) combinations, which type characters, and the other platform's modifier (Ctrl+letter on
 * macOS is text editing: Ctrl+A, Ctrl+E, Ctrl+K …; the Windows/Super key belongs to the system). Text-editing
 * combinations (Ctrl+A/C/V/X/Z/Y, arrows with modifiers, …) are in no chord, so they always pass through.
 */
export function resolveShortcut(
  event: KeyLike,
  platform: Platform,
  place: KeyPlace,
  options: ShortcutOptions,
): ShortcutAction | null {
  if (event.isComposing || event.keyCode === 229 || event.defaultPrevented) return null;
  if (place.handler === 'window' && (place.modal || event.repeat)) return null;
  for (const shortcut of shortcuts(options)) {
    if (!shortcut.handlers.includes(place.handler)) continue;
    if (shortcut.chords.some((chord) => chordMatches(chord, event, platform, place))) return shortcut.action;
  }
  return null;
}

function chordMatches(chord: Chord, event: KeyLike, platform: Platform, place: KeyPlace): boolean {
  const mod = platform === 'mac' ? event.metaKey : event.ctrlKey;
  const otherMod = platform === 'mac' ? event.ctrlKey : event.metaKey;
  if (otherMod || event.altKey) return false;
  if (mod !== (chord.mod ?? false)) return false;
  if (chord.shift !== 'any' && event.shiftKey !== (chord.shift ?? false)) return false;
  if (chord.outsideTextField && place.inTextField) return false;
  if (chord.whenEmpty && !place.empty) return false;
  return keyName(event) === chord.key;
}

/** The key, letters in lower case; a letter key on a non-Latin layout is named by its physical key (`KeyK` → `k`). */
function keyName(event: KeyLike): string {
  const { key, code } = event;
  if (key.length !== 1) return key;
  if (/^[a-z]$/i.test(key)) return key.toLowerCase();
  if (/\p{L}/u.test(key) && code !== undefined && /^Key[A-Z]$/.test(code)) return code.slice(3).toLowerCase();
  return key;
}

// ---- how shortcuts are shown ----

const KEY_LABELS: Readonly<Record<string, string>> = { Escape: 'Esc', ArrowUp: '↑', Enter: 'Enter' };

/** The keycaps of a chord, in the platform's order: `['Ctrl', 'Shift', 'C']`, `['⇧', '⌘', 'C']`. */
export function chordKeys(chord: Chord, platform: Platform): string[] {
  const key = KEY_LABELS[chord.key] ?? (chord.key.length === 1 ? chord.key.toUpperCase() : chord.key);
  const mac = platform === 'mac';
  const keys: string[] = [];
  // macOS writes ⇧ before ⌘; Windows and Linux write Ctrl+Shift.
  if (mac && chord.shift === true) keys.push('⇧');
  if (chord.mod) keys.push(mac ? '⌘' : 'Ctrl');
  if (!mac && chord.shift === true) keys.push('Shift');
  keys.push(key);
  return keys;
}

/** A chord as text: `Ctrl+Shift+C` (Windows, Linux), `⇧⌘C` (macOS). */
export function chordText(chord: Chord, platform: Platform): string {
  return chordKeys(chord, platform).join(platform === 'mac' ? '' : '+');
}

export interface SheetRow {
  action: ShortcutAction;
  label: string;
  /** One entry per alternative, each a list of keycaps. */
  keys: string[][];
  /** The alternatives as text: `? or Ctrl+/`. */
  text: string;
  note?: string;
}

export interface SheetGroup {
  title: ShortcutGroup;
  rows: SheetRow[];
}

/** The shortcuts sheet: every row of the table, grouped, with this platform's keys. */
export function shortcutSheet(platform: Platform, options: ShortcutOptions): SheetGroup[] {
  const groups: SheetGroup[] = [];
  for (const shortcut of shortcuts(options)) {
    let group = groups.find((g) => g.title === shortcut.group);
    if (!group) {
      group = { title: shortcut.group, rows: [] };
      groups.push(group);
    }
    group.rows.push({
      action: shortcut.action,
      label: shortcut.label,
      keys: shortcut.chords.map((chord) => chordKeys(chord, platform)),
      text: shortcut.chords.map((chord) => chordText(chord, platform)).join(' or '),
      ...(shortcut.note === undefined ? {} : { note: shortcut.note }),
    });
  }
  return groups;
}

/** The first chord of an action, as text (for hints). */
export function shortcutText(action: ShortcutAction, platform: Platform, options: ShortcutOptions): string {
  const chord = shortcuts(options).find((s) => s.action === action)?.chords[0];
  if (!chord) throw new Error(`No shortcut for ${action}`);
  return chordText(chord, platform);
}

/** The hint under the message box: `Enter to send · Shift+Enter for a new line · Ctrl+/ for shortcuts`. */
export function composerHint(platform: Platform, options: ShortcutOptions & { streaming: boolean }): string {
  const key = (action: ShortcutAction): string => shortcutText(action, platform, options);
  const help = shortcuts(options)
    .find((s) => s.action === 'showShortcuts')
    ?.chords.find((chord) => !chord.outsideTextField);
  return [
    `${key('send')} to send`,
    `${key('newLine')} for a new line`,
    ...(options.streaming ? [`${key('stopReply')} to stop`] : []),
    ...(help ? [`${chordText(help, platform)} for shortcuts`] : []),
  ].join(' · ');
}

/** The hint under a message's editor. */
export function editorHint(platform: Platform): string {
  const options: ShortcutOptions = { sendShortcut: 'enter' };
  return `${shortcutText('saveEdit', platform, options)} to send · ${shortcutText('cancelEdit', platform, options)} to cancel`;
}

/** macOS or not, from what the browser says about itself. */
export function detectPlatform(
  navigator: { platform?: string; userAgent?: string; userAgentData?: { platform?: string } } | undefined,
): Platform {
  const said = navigator?.userAgentData?.platform || navigator?.platform || navigator?.userAgent || '';
  return /mac|iphone|ipad|ipod/i.test(said) ? 'mac' : 'other';
}

/** This browser's platform. */
export function currentPlatform(): Platform {
  const { navigator } = globalThis as { navigator?: Parameters<typeof detectPlatform>[0] };
  return detectPlatform(navigator);
}

/** Whether a key press's target takes typed text: `?` types a character there, so it is not a shortcut. */
export function isTextField(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  const element = target as { tagName?: string; type?: string; isContentEditable?: boolean };
  if (element.isContentEditable) return true;
  const tag = element.tagName?.toLowerCase();
  if (tag === 'textarea') return true;
  if (tag !== 'input') return false;
  return !NON_TEXT_INPUTS.has((element.type ?? 'text').toLowerCase());
}

const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'color', 'file', 'hidden', 'image', 'radio', 'range', 'reset', 'submit']);
