import { describe, expect, it } from 'vitest';
import {
  acceleratorText,
  checkGlobalShortcut,
  DEFAULT_QUICK_SHORTCUT,
  parseAccelerator,
  recordKey,
  type KeyPress,
} from '../../../src-main/common/accelerator';
import { parseParams } from '../../../src-main/common/schemas';

const press = (code: string, key: string, mods: Partial<Omit<KeyPress, 'code' | 'key'>> = {}): KeyPress => ({
  code,
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('accelerators', () => {
  it('accepts the default and writes every spelling of a chord one canonical way', () => {
    expect(checkGlobalShortcut(DEFAULT_QUICK_SHORTCUT)).toEqual({ ok: true, accelerator: 'CommandOrControl+Shift+Space' });
    expect(checkGlobalShortcut('shift+cmdorctrl+space')).toEqual({ ok: true, accelerator: 'CommandOrControl+Shift+Space' });
    expect(checkGlobalShortcut(' Ctrl + Option + k ')).toEqual({ ok: true, accelerator: 'Control+Alt+K' });
    expect(checkGlobalShortcut('Super+Enter')).toEqual({ ok: true, accelerator: 'Super+Return' });
    expect(checkGlobalShortcut('Alt+Shift+F13')).toEqual({ ok: true, accelerator: 'Alt+Shift+F13' });
    expect(checkGlobalShortcut('CmdOrCtrl+Plus')).toEqual({ ok: true, accelerator: 'CommandOrControl+Plus' });
    expect(checkGlobalShortcut('Ctrl+Alt+/')).toEqual({ ok: true, accelerator: 'Control+Alt+/' });
  });

  it('refuses malformed text with the reason in words', () => {
    const reason = (text: string): string => {
      const checked = checkGlobalShortcut(text);
      if (checked.ok) throw new Error(`${text} was accepted`);
      return checked.reason;
    };
    expect(reason('')).toMatch(/empty/);
    expect(reason('Ctrl+Shift')).toMatch(/needs a key besides the modifiers/);
    expect(reason('Ctrl+K+J')).toMatch(/one key besides the modifiers; "Ctrl\+K\+J" has K and J/);
    expect(reason('Ctrl+Ctrl+K')).toMatch(/Ctrl appears twice/);
    expect(reason('K+Ctrl')).toMatch(/modifier Ctrl must come before the key K/);
    expect(reason('Ctrl+Hyperspace')).toMatch(/"Hyperspace" is not a key/);
    expect(reason('Ctrl++')).toMatch(/write \+ as Plus/);
    expect(reason('F25+Ctrl')).toMatch(/not a key/);
    expect(reason('x'.repeat(101))).toMatch(/at most 100 characters/);
  });

  it('refuses a chord that would take a key from every program, or one the system keeps', () => {
    const reason = (text: string): string => (checkGlobalShortcut(text) as { reason: string }).reason;
    expect(reason('K')).toMatch(/K alone would stop working in every other program/);
    expect(reason('Shift+K')).toMatch(/Shift is not enough/);
    expect(reason('F5')).toMatch(/alone/);
    expect(reason('Alt+Space')).toMatch(/window menu on Windows/);
    expect(reason('Option+Space')).toMatch(/window menu on Windows/);
    expect(reason('CommandOrControl+Space')).toMatch(/Spotlight|input language/);
    expect(reason('Ctrl+Alt+Delete')).toMatch(/belongs to the system/);
    expect(reason('CmdOrCtrl+Q')).toMatch(/quits the app/);
  });

  it('records a chord from a key press, by physical key, with ⌘ (macOS) or Ctrl as CommandOrControl', () => {
    expect(recordKey(press('Space', ' ', { ctrlKey: true, shiftKey: true }), 'other')).toEqual({
      kind: 'chord',
      accelerator: 'CommandOrControl+Shift+Space',
    });
    expect(recordKey(press('Space', ' ', { metaKey: true, shiftKey: true }), 'mac')).toEqual({
      kind: 'chord',
      accelerator: 'CommandOrControl+Shift+Space',
    });
    // A non-Latin layout types "л" on KeyK: the chord is still K. Shift+1 types "!": the chord is still 1.
    expect(recordKey(press('KeyK', 'л', { ctrlKey: true, altKey: true }), 'other')).toEqual({ kind: 'chord', accelerator: 'CommandOrControl+Alt+K' });
    expect(recordKey(press('Digit1', '!', { altKey: true, shiftKey: true }), 'other')).toEqual({ kind: 'chord', accelerator: 'Alt+Shift+1' });
    expect(recordKey(press('KeyJ', 'j', { ctrlKey: true, metaKey: true }), 'mac')).toEqual({ kind: 'chord', accelerator: 'CommandOrControl+Control+J' });
    expect(recordKey(press('KeyJ', 'j', { metaKey: true }), 'other')).toEqual({ kind: 'chord', accelerator: 'Super+J' });
    expect(recordKey(press('ArrowUp', 'ArrowUp', { ctrlKey: true }), 'other')).toEqual({ kind: 'chord', accelerator: 'CommandOrControl+Up' });
    expect(recordKey(press('F13', 'F13'), 'other')).toEqual({ kind: 'chord', accelerator: 'F13' });
  });

  it('while recording: modifiers alone wait, Esc alone cancels, Esc with a modifier is a chord', () => {
    expect(recordKey(press('ControlLeft', 'Control', { ctrlKey: true }), 'other')).toEqual({ kind: 'waiting' });
    expect(recordKey(press('ShiftLeft', 'Shift', { shiftKey: true, ctrlKey: true }), 'other')).toEqual({ kind: 'waiting' });
    expect(recordKey(press('Escape', 'Escape'), 'other')).toEqual({ kind: 'cancel' });
    expect(recordKey(press('Escape', 'Escape', { ctrlKey: true }), 'other')).toEqual({ kind: 'chord', accelerator: 'CommandOrControl+Escape' });
  });

  it('shows a chord the way each platform writes it', () => {
    expect(acceleratorText(DEFAULT_QUICK_SHORTCUT, 'other')).toBe('Ctrl+Shift+Space');
    expect(acceleratorText(DEFAULT_QUICK_SHORTCUT, 'mac')).toBe('⇧⌘Space');
    expect(acceleratorText('Control+Alt+K', 'mac')).toBe('⌃⌥K');
    expect(acceleratorText('CommandOrControl+Plus', 'mac')).toBe('⌘+');
    expect(acceleratorText('not a chord', 'other')).toBe('not a chord');
  });

  it('parses into modifiers in a fixed order and one key', () => {
    expect(parseAccelerator('Shift+Alt+CmdOrCtrl+a')).toEqual({
      ok: true,
      value: { modifiers: ['CommandOrControl', 'Alt', 'Shift'], key: 'A' },
    });
  });

  it('is what the contract checks a quickShortcut setting with', () => {
    expect(parseParams('settings.update', { patch: { quickShortcut: 'shift+ctrl+k' } })).toEqual({
      ok: true,
      value: { patch: { quickShortcut: 'Control+Shift+K' } },
    });
    const refused = parseParams('settings.update', { patch: { quickShortcut: 'Alt+Space' } });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.issues).toEqual([expect.stringMatching(/^patch\.quickShortcut: Alt\+Space opens the window menu/)]);
  });
});
