import { describe, expect, it } from 'vitest';
import {
  chordKeys,
  composerHint,
  detectPlatform,
  editorHint,
  isTextField,
  resolveShortcut,
  shortcutSheet,
  shortcuts,
  type Chord,
  type KeyLike,
  type KeyPlace,
  type Platform,
  type ShortcutAction,
  type ShortcutOptions,
} from '../../../src-renderer/lib/shortcuts';

const ENTER: ShortcutOptions = { sendShortcut: 'enter' };
const MOD_ENTER: ShortcutOptions = { sendShortcut: 'mod+enter' };
const WINDOW: KeyPlace = { handler: 'window' };
const IN_FIELD: KeyPlace = { handler: 'window', inTextField: true };
const COMPOSER: KeyPlace = { handler: 'composer', inTextField: true };
const EMPTY_COMPOSER: KeyPlace = { handler: 'composer', inTextField: true, empty: true };
const EDITOR: KeyPlace = { handler: 'editor', inTextField: true };

/** A key press: `ctrl+shift+c`, `meta+k`, `?`, `Escape`; `shift` is added for `?` as a US keyboard does. */
function press(spec: string, extra: Partial<KeyLike> = {}): KeyLike {
  const parts = spec.split('+');
  const key = parts.pop() ?? '';
  const mods = new Set(parts);
  return {
    key,
    ctrlKey: mods.has('ctrl'),
    metaKey: mods.has('meta'),
    altKey: mods.has('alt'),
    shiftKey: mods.has('shift') || key === '?',
    ...extra,
  };
}

function resolve(spec: string, platform: Platform, place: KeyPlace = WINDOW, options = ENTER, extra: Partial<KeyLike> = {}) {
  return resolveShortcut(press(spec, extra), platform, place, options);
}

/** The key press a chord describes, on this platform. */
function pressFor(chord: Chord, platform: Platform): KeyLike {
  const mod = chord.mod ?? false;
  return {
    key: chord.key.length === 1 && chord.shift === true ? chord.key.toUpperCase() : chord.key,
    ctrlKey: platform === 'other' && mod,
    metaKey: platform === 'mac' && mod,
    altKey: false,
    shiftKey: chord.shift === true || chord.key === '?',
  };
}

describe('the keymap', () => {
  it('maps each app-wide shortcut, with Ctrl on Windows and Linux and ⌘ on macOS', () => {
    const cases: [string, string, ShortcutAction][] = [
      ['ctrl+n', 'meta+n', 'newChat'],
      ['ctrl+k', 'meta+k', 'focusSearch'],
      ['ctrl+shift+C', 'meta+shift+C', 'copyLastReply'],
      ['ctrl+/', 'meta+/', 'showShortcuts'],
      ['?', '?', 'showShortcuts'],
      ['Escape', 'Escape', 'stopReply'],
    ];
    for (const [other, mac, action] of cases) {
      expect(resolve(other, 'other'), other).toBe(action);
      expect(resolve(mac, 'mac'), mac).toBe(action);
    }
  });

  it('does not take the other platform’s modifier', () => {
    expect(resolve('meta+k', 'other')).toBeNull(); // the Windows/Super key belongs to the system
    expect(resolve('meta+n', 'other')).toBeNull();
    // On macOS Ctrl+letter is text editing (Ctrl+K deletes to the end of the line, Ctrl+N moves down a line).
    expect(resolve('ctrl+k', 'mac', IN_FIELD)).toBeNull();
    expect(resolve('ctrl+n', 'mac', IN_FIELD)).toBeNull();
    expect(resolve('ctrl+shift+C', 'mac')).toBeNull();
    // Nor added to a chord that has none, or to the right one.
    expect(resolve('ctrl+ArrowUp', 'mac', EMPTY_COMPOSER)).toBeNull();
    expect(resolve('meta+ArrowUp', 'other', EMPTY_COMPOSER)).toBeNull();
    expect(resolve('meta+Escape', 'other')).toBeNull();
    expect(resolve('ctrl+meta+k', 'mac')).toBeNull();
    expect(resolve('ctrl+meta+k', 'other')).toBeNull();
  });

  it('matches shift exactly: Ctrl+Shift+K, Ctrl+Shift+N and Ctrl+C are not shortcuts', () => {
    expect(resolve('ctrl+shift+K', 'other')).toBeNull();
    expect(resolve('ctrl+shift+N', 'other')).toBeNull();
    expect(resolve('ctrl+c', 'other')).toBeNull();
    expect(resolve('shift+Escape', 'other')).toBeNull();
    expect(resolve('ctrl+Escape', 'other')).toBeNull();
  });

  it('leaves text-editing combinations alone in a text field', () => {
    for (const spec of ['ctrl+a', 'ctrl+c', 'ctrl+v', 'ctrl+x', 'ctrl+z', 'ctrl+y', 'ctrl+shift+Z', 'ctrl+Backspace', 'ctrl+ArrowLeft', 'shift+ArrowUp']) {
      expect(resolve(spec, 'other', IN_FIELD), spec).toBeNull();
      expect(resolve(spec, 'other', COMPOSER), spec).toBeNull();
      expect(resolve(spec, 'other', EDITOR), spec).toBeNull();
    }
    for (const spec of ['meta+a', 'meta+c', 'meta+v', 'meta+z', 'meta+shift+Z', 'meta+ArrowUp', 'ctrl+a', 'ctrl+e', 'ctrl+k']) {
      expect(resolve(spec, 'mac', IN_FIELD), spec).toBeNull();
    }
  });

  it('types ? in a text field, but Ctrl+/ opens the sheet from anywhere', () => {
    expect(resolve('?', 'other', IN_FIELD)).toBeNull();
    expect(resolve('ctrl+/', 'other', IN_FIELD)).toBe('showShortcuts');
    expect(resolve('ctrl+shift+/', 'other', IN_FIELD)).toBe('showShortcuts'); // layouts where / needs Shift
    expect(resolve('meta+/', 'mac', IN_FIELD)).toBe('showShortcuts');
  });

  it('keeps the app-wide keys working in a text field: they are no text-editing keys', () => {
    expect(resolve('ctrl+k', 'other', IN_FIELD)).toBe('focusSearch');
    expect(resolve('ctrl+n', 'other', IN_FIELD)).toBe('newChat');
    expect(resolve('ctrl+shift+C', 'other', IN_FIELD)).toBe('copyLastReply');
    expect(resolve('meta+k', 'mac', IN_FIELD)).toBe('focusSearch');
  });

  it('ignores keys while an IME composes text', () => {
    for (const spec of ['ctrl+k', 'ctrl+n', '?', 'Escape', 'ctrl+/']) {
      expect(resolve(spec, 'other', WINDOW, ENTER, { isComposing: true }), spec).toBeNull();
      expect(resolve(spec, 'other', WINDOW, ENTER, { keyCode: 229 }), spec).toBeNull();
    }
    expect(resolve('Enter', 'other', COMPOSER, ENTER, { isComposing: true })).toBeNull();
    expect(resolve('ArrowUp', 'other', EMPTY_COMPOSER, ENTER, { isComposing: true })).toBeNull();
    expect(resolve('ctrl+Enter', 'other', EDITOR, ENTER, { isComposing: true })).toBeNull();
    expect(resolve('Escape', 'other', EDITOR, ENTER, { keyCode: 229 })).toBeNull();
  });

  it('ignores Alt and AltGr (Ctrl+Alt) combinations, which type characters', () => {
    expect(resolve('ctrl+alt+k', 'other')).toBeNull();
    expect(resolve('ctrl+alt+n', 'other')).toBeNull();
    expect(resolve('alt+k', 'other')).toBeNull();
    expect(resolve('meta+alt+k', 'mac')).toBeNull();
  });

  it('waits while a dialog is open, and for keys already handled nearer the focus', () => {
    for (const spec of ['ctrl+k', 'ctrl+n', '?', 'Escape', 'ctrl+/', 'ctrl+shift+C']) {
      expect(resolve(spec, 'other', { handler: 'window', modal: true }), spec).toBeNull();
      expect(resolve(spec, 'other', WINDOW, ENTER, { defaultPrevented: true }), spec).toBeNull();
    }
    expect(resolve('ctrl+n', 'other', WINDOW, ENTER, { repeat: true })).toBeNull();
  });

  it('names letter keys by their physical key on a non-Latin layout', () => {
    expect(resolve('ctrl+л', 'other', WINDOW, ENTER, { code: 'KeyK' })).toBe('focusSearch');
    expect(resolve('meta+т', 'mac', WINDOW, ENTER, { code: 'KeyN' })).toBe('newChat');
    expect(resolve('ctrl+shift+С', 'other', WINDOW, ENTER, { code: 'KeyC' })).toBe('copyLastReply');
  });

  it('sends with Enter (Shift+Enter for a new line) or, when chosen, with Ctrl+Enter (Enter for a new line)', () => {
    expect(resolve('Enter', 'other', COMPOSER, ENTER)).toBe('send');
    expect(resolve('ctrl+Enter', 'other', COMPOSER, ENTER)).toBe('send');
    expect(resolve('shift+Enter', 'other', COMPOSER, ENTER)).toBe('newLine');
    expect(resolve('Enter', 'other', COMPOSER, MOD_ENTER)).toBe('newLine');
    expect(resolve('shift+Enter', 'other', COMPOSER, MOD_ENTER)).toBe('newLine');
    expect(resolve('ctrl+Enter', 'other', COMPOSER, MOD_ENTER)).toBe('send');
    expect(resolve('meta+Enter', 'mac', COMPOSER, MOD_ENTER)).toBe('send');
    expect(resolve('meta+Enter', 'other', COMPOSER, MOD_ENTER)).toBeNull();
    // Enter means nothing to the window (the composer handles it).
    expect(resolve('Enter', 'other', WINDOW, ENTER)).toBeNull();
  });

  it('edits the last message with Up only in an empty message box', () => {
    expect(resolve('ArrowUp', 'other', EMPTY_COMPOSER)).toBe('editLastMessage');
    expect(resolve('ArrowUp', 'other', COMPOSER)).toBeNull(); // moves the caret in the text
    expect(resolve('shift+ArrowUp', 'other', EMPTY_COMPOSER)).toBeNull();
    expect(resolve('ctrl+ArrowUp', 'other', EMPTY_COMPOSER)).toBeNull();
    expect(resolve('ArrowUp', 'other', { handler: 'window', empty: true })).toBeNull();
  });

  it('stops a reply with Esc in the message box, and saves or cancels an edit in the editor', () => {
    expect(resolve('Escape', 'other', COMPOSER)).toBe('stopReply');
    expect(resolve('ctrl+Enter', 'other', EDITOR)).toBe('saveEdit');
    expect(resolve('meta+Enter', 'mac', EDITOR)).toBe('saveEdit');
    expect(resolve('Enter', 'other', EDITOR)).toBeNull(); // a new line in the edited text
    expect(resolve('Escape', 'other', EDITOR)).toBe('cancelEdit');
    // The editor is no place for app-wide keys of the window's handler to be answered twice.
    expect(resolve('ctrl+k', 'other', EDITOR)).toBeNull();
  });
});

describe('the shortcuts sheet', () => {
  const actions: ShortcutAction[] = [
    'showShortcuts',
    'newChat',
    'focusSearch',
    'copyLastReply',
    'stopReply',
    'send',
    'newLine',
    'editLastMessage',
    'saveEdit',
    'cancelEdit',
    'clearSearch',
    'closeDialog',
  ];

  it('lists every action once, grouped', () => {
    const sheet = shortcutSheet('other', ENTER);
    expect(sheet.map((g) => g.title)).toEqual(['Anywhere', 'Message box', 'Editing a message', 'Search, dialogs and menus']);
    expect(sheet.flatMap((g) => g.rows.map((r) => r.action))).toEqual(actions);
  });

  it('shows the platform’s modifier', () => {
    const text = (platform: Platform, options = ENTER) =>
      Object.fromEntries(shortcutSheet(platform, options).flatMap((g) => g.rows.map((r) => [r.action, r.text])));
    expect(text('other')).toMatchObject({
      showShortcuts: '? or Ctrl+/',
      newChat: 'Ctrl+N',
      focusSearch: 'Ctrl+K',
      copyLastReply: 'Ctrl+Shift+C',
      stopReply: 'Esc',
      send: 'Enter or Ctrl+Enter',
      newLine: 'Shift+Enter',
      editLastMessage: '↑',
      saveEdit: 'Ctrl+Enter',
      cancelEdit: 'Esc',
    });
    expect(text('mac')).toMatchObject({
      showShortcuts: '? or ⌘/',
      newChat: '⌘N',
      focusSearch: '⌘K',
      copyLastReply: '⇧⌘C',
      send: 'Enter or ⌘Enter',
      saveEdit: '⌘Enter',
    });
    expect(text('other', MOD_ENTER)).toMatchObject({ send: 'Ctrl+Enter', newLine: 'Enter or Shift+Enter' });
    expect(chordKeys({ key: 'c', mod: true, shift: true }, 'mac')).toEqual(['⇧', '⌘', 'C']);
    expect(chordKeys({ key: 'c', mod: true, shift: true }, 'other')).toEqual(['Ctrl', 'Shift', 'C']);
  });

  it('says, in a browser, that the browser may keep Ctrl+N', () => {
    const note = (browser: boolean) =>
      shortcutSheet('other', { ...ENTER, browser })
        .flatMap((g) => g.rows)
        .find((r) => r.action === 'newChat')?.note;
    expect(note(true)).toMatch(/browser/);
    expect(note(false)).toBeUndefined();
  });

  it('lists only keys that work: each chord of each row resolves to its action where it is handled', () => {
    for (const platform of ['other', 'mac'] as const) {
      for (const options of [ENTER, MOD_ENTER]) {
        for (const shortcut of shortcuts(options)) {
          for (const handler of shortcut.handlers) {
            for (const chord of shortcut.chords) {
              const place: KeyPlace = { handler, inTextField: handler !== 'window', empty: chord.whenEmpty ?? false };
              if (chord.outsideTextField) place.inTextField = false;
              expect(resolveShortcut(pressFor(chord, platform), platform, place, options), `${shortcut.action} ${platform}`).toBe(
                shortcut.action,
              );
            }
          }
        }
      }
    }
  });

  it('writes the hints from the same table', () => {
    expect(composerHint('other', { ...ENTER, streaming: false })).toBe('Enter to send · Shift+Enter for a new line · Ctrl+/ for shortcuts');
    expect(composerHint('other', { ...MOD_ENTER, streaming: true })).toBe(
      'Ctrl+Enter to send · Enter for a new line · Esc to stop · Ctrl+/ for shortcuts',
    );
    expect(composerHint('mac', { ...MOD_ENTER, streaming: false })).toBe('⌘Enter to send · Enter for a new line · ⌘/ for shortcuts');
    expect(editorHint('other')).toBe('Ctrl+Enter to send · Esc to cancel');
    expect(editorHint('mac')).toBe('⌘Enter to send · Esc to cancel');
  });
});

describe('where a key is pressed', () => {
  it('tells macOS from the rest', () => {
    expect(detectPlatform({ platform: 'MacIntel' })).toBe('mac');
    expect(detectPlatform({ userAgentData: { platform: 'macOS' } })).toBe('mac');
    expect(detectPlatform({ platform: '', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)' })).toBe('mac');
    expect(detectPlatform({ platform: 'Linux x86_64' })).toBe('other');
    expect(detectPlatform({ userAgentData: { platform: 'Windows' }, platform: 'Win32' })).toBe('other');
    expect(detectPlatform(undefined)).toBe('other');
  });

  it('knows which fields take typed text', () => {
    expect(isTextField({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTextField({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(isTextField({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTextField({ tagName: 'INPUT' })).toBe(true);
    expect(isTextField({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTextField({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTextField({ tagName: 'INPUT', type: 'radio' })).toBe(false);
    expect(isTextField({ tagName: 'BUTTON' })).toBe(false);
    expect(isTextField({ tagName: 'BODY' })).toBe(false);
    expect(isTextField(null)).toBe(false);
  });
});
