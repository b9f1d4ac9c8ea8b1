/**
 * Keyboard chords in Electron's accelerator syntax (`CommandOrControl+Shift+Space`): parsing and validating one typed
 * or stored, recording one from a key press (Settings' key-capture field), and showing one to the user. Pure: no DOM,
 * no Electron, so the renderer, the main process and the tests share one definition.
 *
 * Grammar (Electron's): any modifiers, then exactly one key, joined by `+`. Names are case-insensitive and have
 * aliases (`Ctrl`, `Cmd`, `CmdOrCtrl`, `Option`, `Esc`, `Enter` …); the canonical form written back is one spelling
 * per name, modifiers in a fixed order, so two spellings of the same chord compare equal.
 */

/** The default quick-prompt shortcut: Ctrl+Shift+Space (⇧⌘Space). Alt+Space would open the Windows window menu. */
export const DEFAULT_QUICK_SHORTCUT = 'CommandOrControl+Shift+Space';

/** The longest accelerator text accepted. */
export const MAX_ACCELERATOR_LENGTH = 100;

export type AcceleratorPlatform = 'mac' | 'other';

/** Modifiers in their canonical order. `CommandOrControl` is ⌘ on macOS and Ctrl elsewhere. */
const MODIFIERS = ['CommandOrControl', 'Command', 'Control', 'Alt', 'AltGr', 'Shift', 'Super'] as const;
type Modifier = (typeof MODIFIERS)[number];

const MODIFIER_ALIASES: Readonly<Record<string, Modifier>> = {
  commandorcontrol: 'CommandOrControl',
  cmdorctrl: 'CommandOrControl',
  command: 'Command',
  cmd: 'Command',
  control: 'Control',
  ctrl: 'Control',
  alt: 'Alt',
  option: 'Alt',
  altgr: 'AltGr',
  shift: 'Shift',
  super: 'Super',
  meta: 'Super',
};

/** Named keys, canonical spelling by lower-case alias. */
const NAMED_KEYS: Readonly<Record<string, string>> = {
  plus: 'Plus',
  space: 'Space',
  tab: 'Tab',
  capslock: 'Capslock',
  numlock: 'Numlock',
  scrolllock: 'Scrolllock',
  backspace: 'Backspace',
  delete: 'Delete',
  insert: 'Insert',
  return: 'Return',
  enter: 'Return',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  home: 'Home',
  end: 'End',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  escape: 'Escape',
  esc: 'Escape',
  volumeup: 'VolumeUp',
  volumedown: 'VolumeDown',
  volumemute: 'VolumeMute',
  medianexttrack: 'MediaNextTrack',
  mediaprevioustrack: 'MediaPreviousTrack',
  mediastop: 'MediaStop',
  mediaplaypause: 'MediaPlayPause',
  printscreen: 'PrintScreen',
  numdec: 'numdec',
  numadd: 'numadd',
  numsub: 'numsub',
  nummult: 'nummult',
  numdiv: 'numdiv',
};

/** Punctuation keys Electron names by their character (`+` is `Plus`, since `+` joins the parts). */
const PUNCTUATION = new Set([...')!@#$%^&*(:;=<,_->.?/~`{][|\\}"\'']);

/** One chord, parsed. */
export interface ParsedAccelerator {
  modifiers: Modifier[];
  key: string;
}

export type AcceleratorCheck = { ok: true; accelerator: string } | { ok: false; reason: string };

/** The canonical spelling of a key name, or `null` when Electron knows no such key. */
function canonicalKey(name: string): string | null {
  if (/^[a-z]$/i.test(name)) return name.toUpperCase();
  if (/^[0-9]$/.test(name)) return name;
  if (PUNCTUATION.has(name)) return name;
  const lower = name.toLowerCase();
  const fn = /^f([1-9]|1[0-9]|2[0-4])$/.exec(lower);
  if (fn) return `F${fn[1]}`;
  const numpad = /^num([0-9])$/.exec(lower);
  if (numpad) return `num${numpad[1]}`;
  return NAMED_KEYS[lower] ?? null;
}

/** Parse `text` as an accelerator; a reason in words when it is not one. */
export function parseAccelerator(text: string): { ok: true; value: ParsedAccelerator } | { ok: false; reason: string } {
  if (text.length > MAX_ACCELERATOR_LENGTH) return { ok: false, reason: `A shortcut is at most ${MAX_ACCELERATOR_LENGTH} characters.` };
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'The shortcut is empty.' };
  const parts = trimmed.split('+').map((part) => part.trim());
  if (parts.some((part) => part === '')) return { ok: false, reason: `"${trimmed}" has an empty part: write + as Plus.` };
  const modifiers = new Set<Modifier>();
  let key: string | null = null;
  for (const part of parts) {
    const modifier = MODIFIER_ALIASES[part.toLowerCase()];
    if (modifier !== undefined) {
      if (key !== null) return { ok: false, reason: `The modifier ${part} must come before the key ${key}.` };
      if (modifiers.has(modifier)) return { ok: false, reason: `${part} appears twice.` };
      modifiers.add(modifier);
      continue;
    }
    const named = canonicalKey(part);
    if (named === null) return { ok: false, reason: `"${part}" is not a key Phi Desk knows.` };
    if (key !== null) return { ok: false, reason: `A shortcut has one key besides the modifiers; "${trimmed}" has ${key} and ${named}.` };
    key = named;
  }
  if (key === null) return { ok: false, reason: 'The shortcut needs a key besides the modifiers (Ctrl, Alt, Shift …).' };
  return { ok: true, value: { modifiers: MODIFIERS.filter((m) => modifiers.has(m)), key } };
}

/** The canonical text of a parsed chord: modifiers in a fixed order, one spelling per name. */
export function formatAccelerator(parsed: ParsedAccelerator): string {
  return [...parsed.modifiers, parsed.key].join('+');
}

/**
 * Chords a global shortcut must not take, with why: the operating system (or every other program) relies on them.
 * Compared after canonicalisation, on both platforms' meanings of `CommandOrControl`.
 */
const RESERVED: readonly { chord: string; reason: string }[] = [
  { chord: 'Alt+Space', reason: 'Alt+Space opens the window menu on Windows.' },
  { chord: 'Alt+Tab', reason: 'Alt+Tab switches windows.' },
  { chord: 'Alt+F4', reason: 'Alt+F4 closes the window.' },
  { chord: 'Control+Alt+Delete', reason: 'Ctrl+Alt+Delete belongs to the system.' },
  { chord: 'Command+Space', reason: '⌘Space opens Spotlight on macOS.' },
  { chord: 'Command+Tab', reason: '⌘Tab switches apps on macOS.' },
  { chord: 'Command+Q', reason: '⌘Q quits the app in front on macOS.' },
  { chord: 'Control+Space', reason: 'Ctrl+Space switches the input language on many systems.' },
  { chord: 'Super+Space', reason: 'Super+Space switches the input language on many systems.' },
];

/** The chord as each platform reads it (`CommandOrControl` is Command on macOS, Control elsewhere). */
function platformChords(parsed: ParsedAccelerator): string[] {
  const as = (modifier: Modifier): string =>
    formatAccelerator({
      modifiers: MODIFIERS.filter((m) => m !== 'CommandOrControl' && (m === modifier || parsed.modifiers.includes(m))),
      key: parsed.key,
    });
  return parsed.modifiers.includes('CommandOrControl') ? [as('Command'), as('Control')] : [formatAccelerator(parsed)];
}

/**
 * Check `text` as a **global** shortcut (one that works in every program): a valid accelerator, with at least one
 * modifier other than Shift (a plain key, or Shift+key, would stop typing that character everywhere), and not a
 * chord the system keeps for itself. Returns the canonical form, or the reason in words.
 */
export function checkGlobalShortcut(text: string): AcceleratorCheck {
  const parsed = parseAccelerator(text);
  if (!parsed.ok) return parsed;
  const { modifiers, key } = parsed.value;
  if (!modifiers.some((m) => m !== 'Shift')) {
    return {
      ok: false,
      reason: `${key} alone would stop working in every other program: add Ctrl, Alt or ⌘ (Shift is not enough).`,
    };
  }
  const chords = platformChords(parsed.value);
  const reserved = RESERVED.find((entry) => chords.includes(entry.chord));
  if (reserved) return { ok: false, reason: `${reserved.reason} Choose another shortcut.` };
  return { ok: true, accelerator: formatAccelerator(parsed.value) };
}

// ---- recording a chord from a key press ----

/** The parts of a `KeyboardEvent` a recorded chord depends on. */
export interface KeyPress {
  key: string;
  /** The physical key (`KeyK`, `Digit1`, `Space`): used so the chord does not depend on the keyboard layout. */
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/**
 * What a key press means to the key-capture field: `cancel` (Esc with no modifier), `waiting` (only modifiers held so
 * far), or a `chord` in canonical form — which may still fail {@link checkGlobalShortcut}.
 */
export type RecordedKey = { kind: 'cancel' } | { kind: 'waiting' } | { kind: 'chord'; accelerator: string };

/** Physical keys (`KeyboardEvent.code`) that name no letter or digit, by their accelerator name. */
const CODE_KEYS: Readonly<Record<string, string>> = {
  Space: 'Space',
  Tab: 'Tab',
  Enter: 'Return',
  NumpadEnter: 'Return',
  Backspace: 'Backspace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  Escape: 'Escape',
  PrintScreen: 'PrintScreen',
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Quote: "'",
  Backquote: '`',
  Comma: ',',
  Period: '.',
  Slash: '/',
  NumpadDecimal: 'numdec',
  NumpadAdd: 'numadd',
  NumpadSubtract: 'numsub',
  NumpadMultiply: 'nummult',
  NumpadDivide: 'numdiv',
};

const MODIFIER_KEYS = new Set(['Control', 'Shift', 'Alt', 'AltGraph', 'Meta', 'OS', 'Super', 'Hyper', 'CapsLock']);

/** The accelerator key for a physical key, or `null` for a key a shortcut cannot use. */
function keyFromCode(code: string): string | null {
  const letter = /^Key([A-Z])$/.exec(code);
  if (letter) return letter[1] ?? null;
  const digit = /^(?:Digit|Numpad)([0-9])$/.exec(code);
  if (digit) return code.startsWith('Numpad') ? `num${digit[1]}` : (digit[1] ?? null);
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(code)) return code;
  return CODE_KEYS[code] ?? null;
}

/**
 * Turn a key press into a chord. ⌘ on macOS and Ctrl elsewhere are recorded as `CommandOrControl`, so a chord chosen
 * on one platform means the same keys on the other; Ctrl on macOS is `Control`, the Windows/Super key `Super`.
 */
export function recordKey(press: KeyPress, platform: AcceleratorPlatform): RecordedKey {
  const mac = platform === 'mac';
  const noModifier = !press.ctrlKey && !press.metaKey && !press.altKey && !press.shiftKey;
  if (press.key === 'Escape' && noModifier) return { kind: 'cancel' };
  if (MODIFIER_KEYS.has(press.key)) return { kind: 'waiting' };
  const key = keyFromCode(press.code) ?? canonicalKey(press.key.length === 1 ? press.key : press.key.replace(/^Arrow/, ''));
  if (key === null) return { kind: 'waiting' };
  const modifiers: Modifier[] = [];
  if (mac ? press.metaKey : press.ctrlKey) modifiers.push('CommandOrControl');
  if (mac && press.ctrlKey) modifiers.push('Control');
  if (press.altKey) modifiers.push('Alt');
  if (press.shiftKey) modifiers.push('Shift');
  if (!mac && press.metaKey) modifiers.push('Super');
  return { kind: 'chord', accelerator: formatAccelerator({ modifiers: MODIFIERS.filter((m) => modifiers.includes(m)), key }) };
}

// ---- showing a chord ----

const MAC_SYMBOLS: Readonly<Record<Modifier, string>> = {
  Control: '⌃',
  Alt: '⌥',
  AltGr: '⌥',
  Shift: '⇧',
  CommandOrControl: '⌘',
  Command: '⌘',
  Super: '⌘',
};
const MAC_ORDER: readonly Modifier[] = ['Control', 'Alt', 'AltGr', 'Shift', 'CommandOrControl', 'Command', 'Super'];
const OTHER_NAMES: Readonly<Record<Modifier, string>> = {
  CommandOrControl: 'Ctrl',
  Command: 'Super',
  Control: 'Ctrl',
  Alt: 'Alt',
  AltGr: 'AltGr',
  Shift: 'Shift',
  Super: 'Super',
};

/**
 * A chord as the user's platform writes it: `Ctrl+Shift+Space` (Windows, Linux), `⇧⌘Space` (macOS). Text that is not
 * an accelerator is returned as it is.
 */
export function acceleratorText(accelerator: string, platform: AcceleratorPlatform): string {
  const parsed = parseAccelerator(accelerator);
  if (!parsed.ok) return accelerator;
  const { modifiers, key } = parsed.value;
  if (platform === 'mac') {
    return MAC_ORDER.filter((m) => modifiers.includes(m))
      .map((m) => MAC_SYMBOLS[m])
      .concat(key === 'Plus' ? '+' : key)
      .join('');
  }
  const names = [...new Set(modifiers.map((m) => OTHER_NAMES[m]))];
  return [...names, key].join('+');
}
