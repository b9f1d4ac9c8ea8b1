import { clipContext } from '../../src-main/common/clipboard-context';
import type { PushEvents } from '../../src-main/common/contract';
import { MAX_QUICK_CONTENT_HEIGHT } from '../../src-main/common/schemas';
import type { AppClient } from '../../src-main/common/app-rpc';
import type { AppSettings, EngineStatus, Message } from '../../src-main/common/types';
import { AppSettingsState } from './app-settings.svelte';
import { describeError, isCancellation, type Notice } from './errors';
import { ReplyStream } from './reply-stream.svelte';

/** A quick action on the clipboard text: it fills the prompt (the user still presses Enter). */
export type QuickAction = 'explain' | 'summarize' | 'fixGrammar' | 'translate';

/** The prompt each quick action writes; `translate` names the language. */
export function quickActionPrompt(action: QuickAction, language = 'English'): string {
  switch (action) {
    case 'explain':
      return 'Explain this text:';
    case 'summarize':
      return 'Summarize this text:';
    case 'fixGrammar':
      return 'Fix the grammar and spelling of this text:';
    case 'translate':
      return `Translate this text into ${language}:`;
  }
}

/** Languages the "Translate to…" action offers. */
export const TRANSLATE_LANGUAGES = ['English', 'French', 'German', 'Spanish', 'Italian', 'Portuguese', 'Dutch', 'Chinese', 'Japanese'];

/**
 * The message the quick prompt sends: the prompt, then the attached clipboard text set off in triple quotes so the
 * model (and the history) can tell the question from the text it is about.
 */
export function quickMessage(prompt: string, context: string | null): string {
  const question = prompt.trim();
  return context === null ? question : `${question}\n\n"""\n${context}\n"""`;
}

/** Clipboard text attached as context (the chip). */
export interface QuickContext {
  text: string;
  /** The clipboard held more than a prompt can use; only the start is attached. */
  truncated: boolean;
}

/** Where the page's clipboard text comes from when the host cannot read it (the browser's async Clipboard API). */
export type PageClipboard = () => Promise<string>;

export interface QuickPromptOptions {
  /** Reads the clipboard in the page (browser host); `navigator.clipboard.readText` by default. */
  pageClipboard?: PageClipboard;
  /** Opens the chat page on a conversation when no chat page is connected (browser host). */
  openChatPage?: (conversationId: string) => void;
  /**
   * The page is shown as it loads (a browser tab), so the clipboard is read at start. Not in the desktop app: its
   * quick window loads hidden when the app starts, and reads the clipboard each time it is shown (`onQuickShown`).
   */
  shownOnLoad?: boolean;
}

/**
 * The quick prompt's state: one question and its answer, streamed in place ({@link ReplyStream}), in a conversation of
 * its own marked `quick`; the clipboard as an optional context chip; hand-off to the chat window; hiding. Every
 * failure is put into words (`notice`).
 */
export class QuickPromptState {
  readonly replies = new ReplyStream();
  /** The prompt box's text. */
  draft = $state('');
  /** The question asked (as typed, without the context) and its conversation, once asked. */
  question = $state('');
  conversationId = $state<string | null>(null);
  /** The stored answer once it has ended (stopped, complete or failed). */
  answer = $state.raw<Message | null>(null);
  /** The clipboard text attached to the next question, or `null`. */
  context = $state.raw<QuickContext | null>(null);
  /** Why the clipboard could not be read (the browser refused), in words. */
  clipboardProblem = $state<string | null>(null);
  notice = $state.raw<Notice | null>(null);
  /** A short line saying what just happened ("Copied the answer."). */
  status = $state('');
  /** The page shows itself hidden: the host could not hide a window (a browser tab). */
  hidden = $state(false);
  /** Bumped each time the prompt is shown (the component puts the caret in the box). */
  shown = $state(0);
  engine = $state.raw<EngineStatus | null>(null);
  /** The app settings (the theme is applied to the page from them). */
  readonly appSettings: AppSettingsState;

  readonly #client: AppClient;
  readonly #pageClipboard: PageClipboard;
  readonly #openChatPage: (conversationId: string) => void;
  readonly #shownOnLoad: boolean;
  /** The host sizes the window to the content (until it says otherwise). */
  #hostSizes = true;
  /** The exchange was handed to the chat window: it is the user's now, never deleted here. */
  #continued = false;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(client: AppClient, options: QuickPromptOptions = {}) {
    this.#client = client;
    this.appSettings = new AppSettingsState(client);
    this.#pageClipboard = options.pageClipboard ?? (() => navigator.clipboard.readText());
    this.#openChatPage = options.openChatPage ?? (() => {});
    this.#shownOnLoad = options.shownOnLoad ?? true;
  }

  get settings(): AppSettings | null {
    return this.appSettings.current;
  }

  /** The answer's text: live while it streams, then as stored. */
  get answerText(): string {
    const reply = this.replies.reply;
    if (reply !== null && (this.answer === null || reply.messageId === this.answer.id)) return reply.text;
    return this.answer?.content ?? '';
  }

  get streaming(): boolean {
    return this.replies.streaming;
  }

  /** Replies the engine writes before this one (in the chat window); 0 when it is not waiting. */
  get queuedBehind(): number {
    return this.replies.reply?.queuedBehind ?? 0;
  }

  /** Subscribe to the app's pushes and fetch the settings and engine status; read the clipboard if asked to. */
  async start(): Promise<void> {
    this.#unsubscribe.push(this.#client.onPush((event) => this.#onPush(event)));
    try {
      const [, engine] = await Promise.all([this.appSettings.load(), this.#client.call('engine.getStatus', {})]);
      this.engine ??= engine;
      if (this.#shownOnLoad) await this.readClipboard();
    } catch (error) {
      this.notice = describeError(error);
    }
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** The prompt was shown (again): not hidden, caret in the box, the clipboard read afresh. */
  async wasShown(): Promise<void> {
    this.hidden = false;
    this.shown++;
    if (!this.streaming) await this.readClipboard();
  }

  /**
   * Attach the clipboard's text as context, when the `quickClipboardPrefill` setting is on: read by the app where it
   * can (the desktop app), else by the page with the browser's permission. Nothing is attached otherwise.
   */
  async readClipboard(): Promise<void> {
    this.clipboardProblem = null;
    if (!this.settings?.quickClipboardPrefill) {
      this.context = null;
      return;
    }
    try {
      const answer = await this.#client.call('quick.readClipboard', {});
      const read = answer.from === 'host' ? answer : clipContext(await this.#pageClipboard());
      this.context = read.text === null ? null : { text: read.text, truncated: read.truncated };
    } catch (error) {
      this.context = null;
      this.clipboardProblem = `The clipboard could not be read: ${error instanceof Error ? error.message : describeError(error).title}`;
    }
  }

  /** Take the clipboard text off the next question. */
  removeContext(): void {
    this.context = null;
  }

  /** A quick action fills the prompt box (it does not send: the user reads it and presses Enter). */
  applyAction(action: QuickAction, language?: string): void {
    this.draft = quickActionPrompt(action, language);
  }

  /**
   * Ask the draft (with the context, if attached) in a new conversation marked `quick`, and stream the answer in
   * place. The previous exchange is deleted first when the user keeps quick exchanges out of the history (unless
   * it was continued in the chat window). Resolves `true` once the app accepted the question.
   */
  async ask(): Promise<boolean> {
    const prompt = this.draft;
    if (prompt.trim() === '' || this.streaming) return false;
    const reply = this.replies.begin();
    if (reply === null) return false;
    this.notice = null;
    this.status = '';
    this.#forgetPrevious();
    const context = this.context;
    let created: string | null = null;
    try {
      const conversation = await this.#client.call('conversations.create', { source: 'quick' });
      created = conversation.id;
      reply.conversationId = conversation.id;
      this.conversationId = conversation.id;
      this.question = prompt.trim();
      this.answer = null;
      this.#continued = false;
      this.draft = '';
      const text = quickMessage(prompt, context?.text ?? null);
      const final = await this.replies.stream(reply, (options) =>
        this.#client.call('chat.send', { conversationId: conversation.id, text }, options),
      );
      this.answer = final;
      this.context = null; // it was about that text; the next question starts clean
      return true;
    } catch (error) {
      if (reply.messageId === null && created !== null) {
        // Refused before anything was stored (no model, …): no empty conversation is left behind, and the text is back.
        this.#delete(created);
        this.conversationId = null;
        this.question = '';
        this.draft = prompt;
      } else if (reply.messageId !== null) {
        this.answer = await this.#storedAnswer(reply.messageId, reply.text, error);
      }
      if (!isCancellation(error)) this.notice = describeError(error);
      return reply.messageId !== null;
    } finally {
      this.replies.end(reply);
    }
  }

  /** Stop the answer being written; it keeps its text. */
  stop(): void {
    this.replies.stop();
  }

  /** Put the answer on the clipboard, as written (Markdown source). */
  async copy(copyText: (text: string) => Promise<void>): Promise<void> {
    const text = this.answerText;
    if (text === '') return;
    try {
      await copyText(text);
      this.status = 'Copied the answer.';
    } catch (error) {
      this.status = `The answer could not be copied: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * "Continue in Phi Desk": the chat window opens this very conversation (not a copy). Where no chat window is open
   * and the host cannot open one (a browser), the chat page is opened on it from here.
   */
  async continueInApp(): Promise<void> {
    const conversationId = this.conversationId;
    if (conversationId === null) return;
    try {
      const { shown } = await this.#client.call('windows.showConversation', { conversationId });
      this.#continued = true;
      if (!shown) this.#openChatPage(conversationId);
      this.status = 'Opened in Phi Desk.';
    } catch (error) {
      this.notice = describeError(error);
    }
  }

  /** Esc: hide. The desktop app hides the window; a browser tab cannot be hidden, so the page shows it is hidden. */
  async hide(): Promise<void> {
    try {
      const { hidden } = await this.#client.call('quick.hide', {});
      if (!hidden) this.hidden = true;
    } catch (error) {
      this.notice = describeError(error);
    }
  }

  /**
   * Tell the app how tall the content is, so the window fits it (up to a maximum). Once the host answers that it
   * does not size this page (a browser tab), nothing more is sent.
   */
  reportHeight(height: number): void {
    if (!this.#hostSizes) return;
    const rounded = Math.min(MAX_QUICK_CONTENT_HEIGHT, Math.max(0, Math.ceil(height)));
    void this.#client.call('quick.resize', { height: rounded }).then(
      (result) => (this.#hostSizes = result.height !== null),
      () => undefined,
    );
  }

  dismissNotice(): void {
    this.notice = null;
  }

  #onPush(event: PushEvents): void {
    if (event.type === 'onQuickShown') void this.wasShown();
    else if (event.type === 'onSettingsChanged') this.appSettings.apply(event.settings);
    else if (event.type === 'onEngineStatus') {
      this.engine = event.status;
      if (event.status.state === 'ready' && this.notice?.code === 'NO_MODEL') this.notice = null;
    }
  }

  /** The last exchange, when quick exchanges are not kept and it was not continued: deleted before the next. */
  #forgetPrevious(): void {
    const previous = this.conversationId;
    if (previous === null || this.#continued || (this.settings?.quickSaveHistory ?? true)) return;
    this.#delete(previous);
  }

  #delete(conversationId: string): void {
    this.#client.call('conversations.delete', { id: conversationId }).catch(() => undefined);
  }

  /** What the app stored of a reply that failed (its own error text), or what streamed, marked, if unreachable. */
  async #storedAnswer(messageId: string, text: string, error: unknown): Promise<Message | null> {
    const conversationId = this.conversationId;
    if (conversationId !== null) {
      try {
        const detail = await this.#client.call('conversations.get', { id: conversationId });
        const stored = detail.messages.find((message) => message.id === messageId);
        if (stored) return stored;
      } catch {
        // unreachable: show what streamed
      }
    }
    const reason = describeError(error);
    return {
      id: messageId,
      conversationId: conversationId ?? '',
      parentId: null,
      role: 'assistant',
      content: text,
      status: reason.code === 'DISCONNECTED' ? 'interrupted' : 'error',
      createdAt: Date.now(),
      stats: null,
      error: reason.detail ?? reason.title,
    };
  }
}
