import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_QUICK_SHORTCUT } from '../../../../src-main/common/accelerator';
import { RpcError } from '../../../../src-main/common/contract';
import { MAX_CLIPBOARD_CONTEXT_LENGTH } from '../../../../src-main/common/schemas';
import { DesktopController } from '../../../../src-main/node/desktop/desktop-controller';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { NO_DESKTOP_STATUS } from '../../../../src-main/node/host/window-host';
import { FakeDesktopPort } from '../desktop/fake-desktop-port';
import { collectChat, send, startHarness, tempDataDir, type Harness } from './compose-harness';

// The quick prompt's contract (issue 10) over the whole app: conversations marked `quick`, a reply queued behind
// another window's, the settings gate the desktop shell puts on the shortcut, and the window methods.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function boot(engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf' })): Harness {
  const { dir, remove } = tempDataDir();
  const harness = startHarness(dir, engine);
  cleanups.push(remove, () => harness.close());
  return harness;
}

/** The desktop shell attached as the desktop app attaches it (main.ts), over a fake port. */
function withDesktop(harness: Harness): { port: FakeDesktopPort; controller: DesktopController } {
  const port = new FakeDesktopPort('linux');
  // As in main.ts: the shell's pushes go to every window through the app.
  port.push = (event) => {
    port.pushes.push(event);
    harness.app.push(event);
  };
  const controller = new DesktopController(port, { appName: 'Phi Desk', development: false });
  harness.app.attachWindows(controller);
  harness.app.settings.setGate((next, previous) => controller.gateSettings(next, previous));
  harness.app.onPush((event) => {
    if (event.type === 'onSettingsChanged') controller.settingsChanged(event.settings);
  });
  controller.start(harness.app.settings.get());
  return { port, controller };
}

async function refused(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe('quick prompt over the contract', () => {
  it('a conversation started in the quick prompt is marked quick, listed with the others', async () => {
    const { client } = boot();
    const quick = await client.call('conversations.create', { source: 'quick' });
    const chat = await client.call('conversations.create', {});
    expect([quick.source, chat.source]).toEqual(['quick', 'chat']);
    await send(client, quick.id, 'What is a quagga?');
    const list = await client.call('conversations.list', {});
    expect(list.map((c) => [c.title, c.source])).toEqual([
      ['What is a quagga?', 'quick'],
      ['New conversation', 'chat'],
    ]);
    const bad = await refused(client.call('conversations.create', { source: 'spotlight' as never }));
    expect(bad.code).toBe('BAD_REQUEST');
  });

  it('a question sent while another window’s reply is being written is told it is queued, then answered', async () => {
    const engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', deltaChars: 2, deltaDelayMs: 5 });
    const { client } = boot(engine);
    const main = await client.call('conversations.create', {});
    const quick = await client.call('conversations.create', { source: 'quick' });
    engine.queueReply('A long reply in the chat window '.repeat(4), 'The quick answer.');
    const first = send(client, main.id, 'Write a lot');
    // Once the chat window's reply has started, the quick question goes second.
    await new Promise<void>((resolve) => {
      const off = client.onPush((event) => {
        if (event.type === 'onConversationsChanged') {
          off();
          resolve();
        }
      });
    });
    const second = await collectChat((onEvent) => client.call('chat.send', { conversationId: quick.id, text: 'Quick one' }, { onEvent }));
    const types = second.events.map((event) => event.type);
    expect(types.slice(0, 2)).toEqual(['onStarted', 'onQueued']);
    const queued = second.events[1];
    expect(queued).toEqual({ type: 'onQueued', messageId: second.result.id, ahead: 1 });
    expect(second.text).toBe('The quick answer.');
    expect(second.result.status).toBe('complete');
    const firstRun = await first;
    expect(firstRun.events.some((event) => event.type === 'onQueued')).toBe(false);
    // Nothing else running: no queued event.
    const third = await send(client, quick.id, 'Again');
    expect(third.events.some((event) => event.type === 'onQueued')).toBe(false);
  });

  it('the browser host (no desktop shell): no window to hide or size, the clipboard is the page’s, and says so', async () => {
    const { client } = boot();
    expect(await client.call('quick.getStatus', {})).toEqual(NO_DESKTOP_STATUS);
    expect(await client.call('quick.hide', {})).toEqual({ hidden: false });
    expect(await client.call('quick.resize', { height: 300 })).toEqual({ height: null });
    // The clipboard setting is off by default: nothing is read, by anyone.
    expect(await client.call('quick.readClipboard', {})).toEqual({ from: 'host', text: null, truncated: false });
    await client.call('settings.update', { patch: { quickClipboardPrefill: true } });
    expect(await client.call('quick.readClipboard', {})).toEqual({ from: 'page', text: null, truncated: false });
    const conversation = await client.call('conversations.create', {});
    expect(await client.call('windows.showConversation', { conversationId: conversation.id })).toEqual({ shown: false });
    const missing = await refused(client.call('windows.showConversation', { conversationId: 'no-such-id' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('desktop: the clipboard is read by the app only while the setting is on, and cut to what a prompt can use', async () => {
    const harness = boot();
    const { port } = withDesktop(harness);
    port.clipboard = 'secret password';
    expect(await harness.client.call('quick.readClipboard', {})).toEqual({ from: 'host', text: null, truncated: false });
    await harness.client.call('settings.update', { patch: { quickClipboardPrefill: true } });
    expect(await harness.client.call('quick.readClipboard', {})).toEqual({ from: 'host', text: 'secret password', truncated: false });
    port.clipboard = 'x'.repeat(MAX_CLIPBOARD_CONTEXT_LENGTH + 500);
    const long = await harness.client.call('quick.readClipboard', {});
    expect(long).toMatchObject({ from: 'host', truncated: true });
    expect(long.text).toHaveLength(MAX_CLIPBOARD_CONTEXT_LENGTH);
    port.clipboard = '   \n ';
    expect(await harness.client.call('quick.readClipboard', {})).toEqual({ from: 'host', text: null, truncated: false });
  });

  it('desktop: a shortcut another program holds is refused by settings.update, nothing is stored, the old one stays', async () => {
    const harness = boot();
    const { port } = withDesktop(harness);
    const { client } = harness;
    port.taken.add('Control+Alt+K');
    const error = await refused(client.call('settings.update', { patch: { quickShortcut: 'Ctrl+Alt+K', quickHideOnBlur: false } }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/Ctrl\+Alt\+K could not be set as the quick-prompt shortcut.*Phi Desk keeps Ctrl\+Shift\+Space/);
    expect(error.details).toMatchObject({ field: 'quickShortcut' });
    const settings = await client.call('settings.get', {});
    expect(settings).toMatchObject({ quickShortcut: DEFAULT_QUICK_SHORTCUT, quickHideOnBlur: true });
    expect([...port.shortcuts.keys()]).toEqual([DEFAULT_QUICK_SHORTCUT]);
    const status = await client.call('quick.getStatus', {});
    expect(status).toMatchObject({ shortcut: 'registered', accelerator: DEFAULT_QUICK_SHORTCUT, message: error.message });
    expect(harness.pushes.findLast((event) => event.type === 'onQuickStatus')).toMatchObject({ status: { message: error.message } });

    // A free chord is registered, stored, and every window is told.
    const changed = await client.call('settings.update', { patch: { quickShortcut: 'Ctrl+Alt+J' } });
    expect(changed.quickShortcut).toBe('Control+Alt+J');
    expect([...port.shortcuts.keys()]).toEqual(['Control+Alt+J']);
    expect(await client.call('quick.getStatus', {})).toMatchObject({ accelerator: 'Control+Alt+J', message: null });
    // Other settings save as usual, whatever happened to the shortcut.
    expect((await client.call('settings.update', { patch: { theme: 'dark', quickShortcut: 'Control+Alt+J' } })).theme).toBe('dark');
    // An invalid chord never reaches the shortcut: the contract refuses it in words.
    const invalid = await refused(client.call('settings.update', { patch: { quickShortcut: 'Alt+Space' } }));
    expect(invalid.message).toMatch(/window menu on Windows/);
  });

  it('desktop: Esc hides the quick window; the content height sizes it; "Continue" opens the chat window on it', async () => {
    const harness = boot();
    const { port, controller } = withDesktop(harness);
    const { client } = harness;
    controller.showQuick();
    expect(await client.call('quick.resize', { height: 333 })).toEqual({ height: 333 });
    expect(port.quickBounds?.height).toBe(333);
    expect(await client.call('quick.hide', {})).toEqual({ hidden: true });
    expect(port.quickVisible).toBe(false);
    const conversation = await client.call('conversations.create', { source: 'quick' });
    expect(await client.call('windows.showConversation', { conversationId: conversation.id })).toEqual({ shown: true });
    expect(port.mainOpenedOn).toEqual([conversation.id]);
  });
});
