import './styles/global.css';
import { mount } from 'svelte';
import { connectApp } from '../src-main/common/app-rpc';
import QuickApp from './components/QuickApp.svelte';
import { ConnectionState } from './lib/connection.svelte';
import { QuickPromptState } from './lib/quick-prompt.svelte';
import { connectTransport } from './lib/transport';

// The quick prompt: one question and its answer, in a small window the desktop app shows with a global shortcut
// (or at /quick in the browser host).
const target = document.getElementById('app');
if (!target) throw new Error('The page has no #app element.');
const transport = connectTransport();
const connection = new ConnectionState(transport);
const quick = new QuickPromptState(connectApp(transport), {
  // The desktop app's quick window loads hidden at start: it reads the clipboard when shown, not now.
  shownOnLoad: transport.kind === 'websocket',
  // Browser host only (the desktop app opens its chat window itself): open the chat page on the conversation.
  openChatPage: (conversationId) => {
    const url = new URL('./', window.location.href);
    url.search = new URLSearchParams({ token: new URLSearchParams(window.location.search).get('token') ?? '' }).toString();
    url.hash = `conversation=${conversationId}`;
    if (window.open(url, '_blank') === null) window.location.assign(url);
  },
});
mount(QuickApp, { target, props: { quick, connection } });
void quick.start();
