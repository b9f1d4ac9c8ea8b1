import type { AppCommand } from './app-commands';
import type { MethodParams } from './schemas';
import type {
  AppInfo,
  AppNotice,
  AppSettings,
  BranchPosition,
  Conversation,
  ConversationListCursor,
  ContextMeasure,
  ConversationDetail,
  Draft,
  EngineStatus,
  HistoryExportResult,
  HistoryImportResult,
  HistoryProgress,
  LocalApiStatus,
  Message,
  ModelDownload,
  ModelsState,
  QuickStatus,
  RemoteProbeResult,
  RemoteServer,
  SearchResults,
  StartupState,
} from './types';

/**
 * The one contract between the renderer and the main process (or browser host). Every method, its params (validated
 * at runtime by `schemas.ts`), its result, and the events it streams while it runs. The renderer sees nothing else.
 *
 * Naming: methods are `area.verb`; per-request stream events and push events are `onXxx`.
 *
 * While the app starts (`app.getStartup`), the methods that need the conversation database wait until it is open —
 * on a big history that can take minutes (an update, a recovery) — and fail with `STORE_FAILED` if it cannot be
 * opened. `app.getInfo`, `app.getStartup`, `engine.getStatus` and `models.getState` answer at once.
 */
export interface Methods {
  /** Facts about the running app: name, version, host kind and the data folder. */
  'app.getInfo': { params: MethodParams['app.getInfo']; result: AppInfo; events: never };

  /**
   * Where the start stands: opening the conversation database (what it is doing, how far, about how long is left),
   * ready, or failed; and the check for damage that finishes in the background. Changes are pushed as
   * `onStartupProgress` (a few times a second at most), so a page that connects at any moment calls this once and
   * then follows the pushes.
   */
  'app.getStartup': { params: MethodParams['app.getStartup']; result: StartupState; events: never };

  /** The engine's current status (model, loading progress, errors). Changes are pushed as `onEngineStatus`. */
  'engine.getStatus': { params: MethodParams['engine.getStatus']; result: EngineStatus; events: never };

  /**
   * Things the user must be told once (the database found damaged and kept read-only, recovered from a backup with
   * what was salvaged, replies interrupted by a crash).
   */
  'app.getNotices': { params: MethodParams['app.getNotices']; result: AppNotice[]; events: never };

  /** Forget a notice once the user has seen it. */
  'app.dismissNotice': { params: MethodParams['app.dismissNotice']; result: null; events: never };

  /** App settings (theme, send shortcut, default system prompt and sampling, backups). */
  'settings.get': { params: MethodParams['settings.get']; result: AppSettings; events: never };

  /** Change some app settings; the whole settings come back. Fails with `BAD_REQUEST` for an invalid value. */
  'settings.update': { params: MethodParams['settings.update']; result: AppSettings; events: never };

  /**
   * Conversations, pinned first, then most recently updated; never a deleted one. `archived: true` lists only the
   * archived ones. All of them in one call (10,000 take some 30–50 ms and 2.4 MB of JSON).
   */
  'conversations.list': { params: MethodParams['conversations.list']; result: Conversation[]; events: never };

  /**
   * The same list a page at a time (`limit`, default 1,000): each answer is small, so a host with a long history
   * (100,000 conversations, ~30 MB as one list) answers everyone else between pages. `next` is where the following
   * page starts; `null` after the last. A conversation that moves between two calls may be met twice or missed — its
   * change is pushed (`conversations.changed`), and the window asks again.
   */
  'conversations.listPage': {
    params: MethodParams['conversations.listPage'];
    result: { conversations: Conversation[]; next: ConversationListCursor | null };
    events: never;
  };

  /**
   * Start an empty conversation (title "New conversation" unless given). `source: 'quick'` marks one started in the
   * quick prompt (listed with a "Quick" mark); `chat` by default. `engine`: where its replies come from (`null` the
   * local model, or a remote server's id); the app's `defaultEngine` when omitted. Fails with `BAD_REQUEST` for an
   * unknown server.
   */
  'conversations.create': { params: MethodParams['conversations.create']; result: Conversation; events: never };

  /** One conversation and the messages of its current branch, oldest first. Fails with `NOT_FOUND`. */
  'conversations.get': { params: MethodParams['conversations.get']; result: ConversationDetail; events: never };

  /** Rename a conversation. Fails with `NOT_FOUND`. */
  'conversations.rename': { params: MethodParams['conversations.rename']; result: Conversation; events: never };

  /**
   * Delete a conversation and all its messages, undoably: from now on it is gone from every list, view, search and
   * export, but `conversations.restore` brings it back whole for at least {@link DELETE_UNDO_WINDOW_MS}; after that it
   * is deleted for good (also when the app quits or crashes before then: at the next start). Fails with `NOT_FOUND`,
   * or `BUSY` while a reply is written in it.
   */
  'conversations.delete': { params: MethodParams['conversations.delete']; result: null; events: never };

  /**
   * Undo `conversations.delete` within its undo window: the conversation comes back as it was (messages, branches,
   * options, its place in the list, search). A conversation that is not deleted comes back unchanged. Fails with
   * `NOT_FOUND` once it has been deleted for good.
   */
  'conversations.restore': { params: MethodParams['conversations.restore']; result: Conversation; events: never };

  /**
   * Change a conversation's options: pinned, archived, system prompt (`null` = app default), sampling overrides
   * (replaced as a whole; `{}` clears them), `engine` (`null` the local model, or a remote server's id). Fails with
   * `NOT_FOUND`, or `BAD_REQUEST` for an unknown server.
   */
  'conversations.update': { params: MethodParams['conversations.update']; result: Conversation; events: never };

  /**
   * A page of the current branch, oldest first, with its branch switchers: the messages before `beforeSeq` (scrolling
   * up a long conversation; the result's `olderBefore` is the next cursor, `newerAfter` is null), or after `afterSeq`
   * (scrolling down from a search hit far up; `newerAfter` is the next cursor, `olderBefore` is null). Cursors come
   * from a `ConversationDetail` or the previous page and belong to the branch shown then: after the branch changes,
   * an `afterSeq` page fails with `BAD_REQUEST` — fetch the conversation again.
   */
  'messages.page': {
    params: MethodParams['messages.page'];
    result: { messages: Message[]; branches: BranchPosition[]; olderBefore: number | null; newerAfter: number | null };
    events: never;
  };

  /**
   * Show the branch through this message (a sibling chosen in a "‹ 2/3 ›" switcher). Returns the new view. Fails with
   * `NOT_FOUND`, or `BUSY` while a reply is being written in that conversation.
   */
  'messages.switchBranch': { params: MethodParams['messages.switchBranch']; result: ConversationDetail; events: never };

  /**
   * Delete a message and every reply under it; the conversation shows a sibling branch if there is one. Fails with
   * `NOT_FOUND`, or `BUSY` while a reply is being written in that conversation.
   */
  'messages.deleteSubtree': {
    params: MethodParams['messages.deleteSubtree'];
    result: ConversationDetail;
    events: never;
  };

  /**
   * Full-text search over every message of every branch and over titles (not of deleted conversations); ranked, with
   * highlighted snippets. `from`/`to` (epoch ms, `to` exclusive) keep messages written, and conversations updated,
   * in that time.
   */
  'search.query': { params: MethodParams['search.query']; result: SearchResults; events: never };

  /**
   * Open the conversation holding a message (from a search hit), switching to its branch if needed. The returned
   * view holds it: the newest page when it is there, otherwise a window of messages around it with a cursor each way
   * (`olderBefore`, `newerAfter`), so a hit far up a long conversation opens at once.
   */
  'search.reveal': {
    params: MethodParams['search.reveal'];
    result: ConversationDetail & { messageId: string };
    events: never;
  };

  // ---- models (issue 3: model manager) — add model methods here ----

  /** The model manager's state: the Phi-2 catalog, downloads, models on disk, the chosen model and the models folder. */
  'models.getState': { params: MethodParams['models.getState']; result: ModelsState; events: never };

  /**
   * Download a catalog file (e.g. `phi-2.Q4_K_M.gguf`) into the models folder over HTTPS from huggingface.co — the
   * app's only network access. Resolves at once with the queued download; progress is pushed as
   * `onDownloadProgress`, state changes as `onModelsChanged`. A paused or failed download of the same file continues
   * where it stopped. On first run the finished model is loaded at once. Fails with `NOT_FOUND` for a file not in
   * the catalog.
   */
  'models.download': { params: MethodParams['models.download']; result: ModelDownload; events: never };

  /** Pause a download, keeping its partial file (also across restarts). Fails with `NOT_FOUND`. */
  'models.pauseDownload': { params: MethodParams['models.pauseDownload']; result: ModelDownload; events: never };

  /** Continue a paused or failed download from where it stopped (HTTP Range). Fails with `NOT_FOUND`. */
  'models.resumeDownload': { params: MethodParams['models.resumeDownload']; result: ModelDownload; events: never };

  /** Stop a download and delete its partial file. Fails with `NOT_FOUND`. */
  'models.cancelDownload': { params: MethodParams['models.cancelDownload']; result: ModelDownload; events: never };

  /**
   * Load a `.gguf` file and remember it as the model to load at start. The file is checked first — GGUF header,
   * architecture, and memory needed against memory free — and a file that fails gets `BAD_REQUEST` with the reason
   * in words (`details.reason`: `NOT_FOUND`, `INVALID`, `ARCHITECTURE` or `MEMORY`); `ENGINE_FAILED` if llama.cpp
   * cannot load it; `BUSY` while another model loads. On any failure the previous model stays loaded. Loading
   * progress is pushed as `onEngineStatus`; resolves once the model is ready.
   */
  'models.useFile': { params: MethodParams['models.useFile']; result: ModelsState; events: never };

  /**
   * Show the native open dialog (`.gguf` files) and return the chosen path, or `null` if the user cancelled. Only the
   * desktop app has one: elsewhere it fails with `BAD_REQUEST` (`details.reason: 'NO_FILE_DIALOG'`) and the window
   * asks for a typed path instead (see `ModelsState.fileDialog`).
   */
  'models.chooseFile': { params: MethodParams['models.chooseFile']; result: { path: string | null }; events: never };

  // ---- history (export and import) ----

  /**
   * Export conversations to one file: to `path` (absolute), or, with `download: true`, staged for the browser to
   * download (the browser host only; the result's `download.url`, fetched with the page's token, streams it once).
   * - `format: 'json'`: every message of every branch with its options, as one versioned document
   *   (`{ format: "phi-desk-export", version: 1, exportedAt, conversations }`, schema in
   *   `resources/schemas/phi-desk-history.schema.json`) that `history.import` reads back losslessly.
   * - `format: 'markdown'`: front matter (title, dates, model, settings) and the messages; `'html'`: one self-contained
   *   page (styles, highlighted code and typeset math inside it, a table of contents for several conversations, no
   *   script, nothing fetched when opened). Both show the branch shown in the app, or with `branches: 'all'` every
   *   branch, each labelled where it leaves the others.
   * - `scope`: all conversations (default), those named, or those matching a search and date range;
   *   `includeArchived` (default true) takes archived ones too. `layout: 'separate'` writes one file per
   *   conversation into a zip with an index, instead of one combined file.
   * The file is written beside its target under a temporary name and renamed into place at the end: a failure or a
   * cancel leaves no partial file and never touches an existing one. Progress streams as `onProgress` (messages).
   * Fails with `BAD_REQUEST` when the folder is missing or cannot be written, or when a file already exists there
   * and `overwrite` is not true (`details.reason`: `NO_FOLDER`, `UNWRITABLE`, `EXISTS`), when there is nothing to
   * export (`NOTHING`), or for a download where the host has none (`NO_DOWNLOAD`); `STORE_FAILED` when the disk is
   * full (`DISK_FULL`); `ABORTED` when cancelled. On a damaged database an export of everything is a rescue: a
   * conversation that cannot be read is left out and listed in the result's `unreadable`, and the rest are written.
   */
  'history.export': {
    params: MethodParams['history.export'];
    result: HistoryExportResult;
    events: HistoryProgressEvents;
  };

  /**
   * Import conversations from files at `paths`, or from files uploaded to the browser host (`uploads`, ids answered
   * by `POST /history/upload`; each is deleted once read). Reads Phi Desk's JSON exports, and ChatGPT's export: its
   * zip, its `conversations.json`, or the split `conversations-000.json`… files (every branch, the current one, code
   * and its output as fenced blocks; pictures and files noted as "[image omitted]" and counted in `omitted`). A zip
   * of Phi Desk JSON files (an export with `layout: 'separate'`) is read too. Files are read as streams, in constant
   * memory whatever their size. Each conversation is added with new ids in its own transaction (nothing existing is
   * changed) and becomes searchable; one already here is skipped (a ChatGPT conversation by its id, a Phi Desk one
   * when identical: same title, start time and messages). A conversation that cannot be added — invalid, or cut off
   * by the end of a truncated file — is reported in `failed` with the reason, never half added, and the rest go on.
   * Progress streams as `onProgress` (bytes read). Fails with `BAD_REQUEST` naming the file, before anything is
   * added, for a file that is missing, not a regular file, or not an export at all (`details.reason`: `NOT_FOUND`,
   * `NOT_JSON`, `NOT_AN_EXPORT`, `VERSION`); `ABORTED` when cancelled (conversations already added stay).
   */
  'history.import': {
    params: MethodParams['history.import'];
    result: HistoryImportResult;
    events: HistoryProgressEvents;
  };

  /**
   * Show the native save (`purpose: 'export'`, for `format`) or open (`'import'`, several files may be chosen)
   * dialog: the chosen `path` (the first one) and all of them in `paths`, or `path: null` if the user cancelled. Only
   * the desktop app has one: elsewhere it fails with `BAD_REQUEST` (`details.reason: 'NO_FILE_DIALOG'`); the browser
   * host downloads and uploads instead.
   */
  'history.choosePath': {
    params: MethodParams['history.choosePath'];
    result: { path: string | null; paths: string[] };
    events: never;
  };

  /**
   * Send a user message and stream the assistant's reply.
   *
   * The user message is committed before generation starts; the assistant message is stored as it streams.
   * Events, in order: one `onStarted`, one `onContext` (once the prompt is fitted; not sent when that fails), then
   * `onDelta`s. The call resolves with the final assistant message —
   * also when cancelled (Stop), in which case its status is `stopped` and it keeps the text so far.
   * Fails with `NOT_FOUND`, `NO_MODEL`, `BUSY`, `CONTEXT_OVERFLOW` or `ENGINE_FAILED`. A conversation on a remote
   * server (`Conversation.engine`) is answered by that server: its failures (unreachable, timeout, key refused, model
   * not found, rate limit, server error, a broken stream) are `ENGINE_FAILED` in words, the reply keeping its text so
   * far; `NO_MODEL` when the server was removed.
   */
  'chat.send': { params: MethodParams['chat.send']; result: Message; events: ChatSendEvents };

  /**
   * The user is writing `text` as the next message of the conversation (empty: they just opened it). The engine
   * evaluates that prompt ahead, in the background, so that `chat.send` has only what changed since to evaluate: a
   * reply to a typed message starts in a fraction of a second instead of seconds. Nothing is stored. Resolves at once,
   * `prepared: false` when nothing was started (the `prepareWhileTyping` setting is off, no model is ready, or a
   * reply is being written in this conversation — the draft is then evaluated once it ends). Any later
   * `chat.prepare`, send or model load takes over from it. Call it at most every 100 ms or so while the user types,
   * not on every key, with `stillTyping: true` (only what more typing cannot change is evaluated, in small steps),
   * and once typing pauses without it (the whole prompt, and the reply's first token).
   * Fails with `NOT_FOUND` for an unknown conversation.
   */
  'chat.prepare': { params: MethodParams['chat.prepare']; result: { prepared: boolean }; events: never };

  /**
   * How many tokens of the model's context window the next prompt would take: the shown branch of `conversationId`
   * (`null`: a new chat, with the app's default system prompt and settings) with `text` as the next user message
   * (empty: only the prompt's framing for it), written in the model's format, counted with its tokenizer and fitted
   * as `chat.send` would fit it — the oldest messages dropped to keep `replyReserve` tokens free for the reply. Says
   * what would be dropped (`messagesInView`, `messagesDropped`), whether the message fits at all (`fits: false`: it
   * is too long by itself and `chat.send` would fail with `CONTEXT_OVERFLOW`; `promptTokens - promptBudget` is by
   * how much), and how long a reply can be. `available: false` when there is no model to count with (the window
   * size then, if known). Nothing is stored, nothing is evaluated, and a reply being written is not disturbed; the
   * figures of a reply being written count its text so far. Call it at most a few times a second while the user
   * types. Fails with `NOT_FOUND` for an unknown conversation.
   */
  'chat.measure': { params: MethodParams['chat.measure']; result: ContextMeasure; events: never };

  /**
   * Edit a user message and resend it: the edited text becomes a new sibling of that message (the old branch is kept)
   * and a reply streams to it. Same events and errors as `chat.send`; `BAD_REQUEST` for a message that is not the
   * user's.
   */
  'chat.edit': { params: MethodParams['chat.edit']; result: Message; events: ChatSendEvents };

  /**
   * Write another reply to the same user message, as a new sibling of this assistant message. Same events and errors
   * as `chat.send`; `BAD_REQUEST` for a message that is not a reply.
   */
  'chat.regenerate': { params: MethodParams['chat.regenerate']; result: Message; events: ChatSendEvents };

  // ---- drafts ----

  /** The saved draft of a conversation (`conversationId: null`: the new chat); empty text when there is none. */
  'drafts.get': { params: MethodParams['drafts.get']; result: Draft; events: never };

  /**
   * Save the composer's text as the draft of a conversation (`null`: the new chat), replacing the previous one; an
   * empty text removes it. At most a message's length (`MAX_MESSAGE_LENGTH`): for a longer text, save its start and
   * pass the whole length as `fullLength`, and the draft says so. The window saves as the user types (a few times a
   * second at most). Fails with `NOT_FOUND` for an unknown conversation.
   */
  'drafts.save': { params: MethodParams['drafts.save']; result: Draft; events: never };
  // ---- quick prompt and desktop shell (issue 10) ----

  /**
   * Show a conversation in the chat window and bring it to the front ("Continue in Phi Desk" from the quick prompt):
   * the open chat windows switch to it (`onShowConversation`); the desktop app opens its window on it if it was
   * closed, and hides the quick prompt. `shown: false` when no chat window is open and the host cannot open one (the
   * browser host with no chat page connected): the caller then opens the chat page on it itself
   * (`/#conversation=<id>`). Fails with `NOT_FOUND` for an unknown conversation.
   */
  'windows.showConversation': {
    params: MethodParams['windows.showConversation'];
    result: { shown: boolean };
    events: never;
  };

  /** The global shortcut's state (registered, off, refused and why), the tray and the login item. Pushed as `onQuickStatus`. */
  'quick.getStatus': { params: MethodParams['quick.getStatus']; result: QuickStatus; events: never };

  /**
   * The quick prompt asks to be hidden (Esc). `hidden: true` when the host hid its window (the desktop app, which on
   * macOS also gives the focus back to the app used before); `false` when it has no window to hide (a browser tab):
   * the page then shows that it is hidden itself. The host records it either way.
   */
  'quick.hide': { params: MethodParams['quick.hide']; result: { hidden: boolean }; events: never };

  /**
   * The quick prompt's content is `height` CSS pixels tall: the desktop app grows or shrinks the window to fit, up to
   * a maximum (then the answer scrolls inside). Returns the height the window now has, or `null` where the host does
   * not size the page (a browser tab).
   */
  'quick.resize': { params: MethodParams['quick.resize']; result: { height: number | null }; events: never };

  /**
   * The clipboard's text, for the quick prompt's context chip — only while the `quickClipboardPrefill` setting is on
   * (otherwise `text` is `null`), at most `MAX_CLIPBOARD_CONTEXT_LENGTH` characters (`truncated` says the rest was
   * left out). `from: 'page'` when the host cannot read the clipboard (the browser host): the page reads it itself,
   * with the browser's permission.
   */
  'quick.readClipboard': {
    params: MethodParams['quick.readClipboard'];
    result: { from: 'host' | 'page'; text: string | null; truncated: boolean };
    events: never;
  };

  // ---- OpenAI-compatible local API and remote engines (issue 15) ----

  /**
   * The local API's state: off, running (its URL and bearer key), or failed to start (a port in use, in words), with
   * the requests served and the last error. Turned on and off, and its port set, with `settings.update`
   * (`localApiEnabled`, `localApiPort`); changes are pushed as `onApiStatus`.
   */
  'api.getStatus': { params: MethodParams['api.getStatus']; result: LocalApiStatus; events: never };

  /** Replace the local API's bearer key with a new random one: programs using the old key get 401 from now on. */
  'api.regenerateKey': { params: MethodParams['api.regenerateKey']; result: LocalApiStatus; events: never };

  /**
   * "Test connection": ask an OpenAI-compatible server for its models (`GET <baseUrl>/models`, with the key typed, or
   * the one stored for `serverId`). Never throws for the server's failures: the result says what went wrong, in words
   * (unreachable, timeout, key refused, not an OpenAI-compatible API…). Calls only the address the user typed.
   */
  'remote.probe': { params: MethodParams['remote.probe']; result: RemoteProbeResult; events: never };

  /**
   * Add a remote server (no `id`) or change one; its API key is stored apart, in the system's secret storage (the
   * desktop app) or a file only the user can read (the browser host). The settings (`remoteServers`) are pushed as
   * `onSettingsChanged`. Fails with `NOT_FOUND` for an unknown `id`.
   */
  'remote.save': { params: MethodParams['remote.save']; result: RemoteServer; events: never };

  /**
   * Remove a remote server and its key. Conversations that used it keep their messages and say so when asked to
   * reply (pick another model in their settings); the default goes back to the local model if it was this server.
   */
  'remote.remove': { params: MethodParams['remote.remove']; result: null; events: never };
}

/** Events streamed while `chat.send` runs. */
export type ChatSendEvents =
  | {
      type: 'onStarted';
      /** The stored user message. */
      userMessage: Message;
      /** The assistant message, status `streaming`, empty so far. */
      assistantMessage: Message;
    }
  | {
      type: 'onContext';
      /** The assistant message being written. */
      messageId: string;
      /** Messages (counting back from the user's, included) the model sees; older ones were dropped to fit. */
      messagesInView: number;
      messagesDropped: number;
      /** Tokens of the prompt. */
      promptTokens: number;
    }
  | {
      /**
       * Sent right after `onStarted` when the engine is writing other replies first (in another window or
       * conversation): this one waits its turn, and starts once they end.
       */
      type: 'onQueued';
      messageId: string;
      /** Replies being written before this one. */
      ahead: number;
    }
  | {
      type: 'onDelta';
      /** The assistant message id the text belongs to. */
      messageId: string;
      /** New text to append. */
      text: string;
    };

/** Events streamed while `history.export` or `history.import` runs: how far it is, now and then. */
export type HistoryProgressEvents = { type: 'onProgress' } & HistoryProgress;

/** Events the main process pushes to every connected renderer, unasked. */
export type PushEvents =
  /** The start moved on (see `app.getStartup`): a step began, its progress, the database opened or failed, the check. */
  | { type: 'onStartupProgress'; startup: StartupState }
  | { type: 'onEngineStatus'; status: EngineStatus }
  /** A conversation was created, renamed, deleted or got a message (from any window). */
  | { type: 'onConversationsChanged' }
  /** A new notice to show (see `app.getNotices`). */
  | { type: 'onNotice'; notice: AppNotice }
  /** App settings changed (from any window). */
  | { type: 'onSettingsChanged'; settings: AppSettings }
  /** The model manager's state changed: a download started, paused, finished or failed, or another model was chosen. */
  | { type: 'onModelsChanged'; state: ModelsState }
  /** Byte progress of a running download (a few times a second). */
  | { type: 'onDownloadProgress'; download: ModelDownload }
  // ---- models (issue 3): add model push events above this line ----
  // ---- quick prompt and desktop shell (issue 10) ----
  /** Chat windows: open this conversation and come to the front (`windows.showConversation`). */
  | { type: 'onShowConversation'; conversationId: string }
  /** The quick prompt was shown (shortcut, tray, `--quick`): put the caret in its box, read the clipboard again. */
  | { type: 'onQuickShown' }
  /** The global shortcut's state changed (see `quick.getStatus`). */
  | { type: 'onQuickStatus'; status: QuickStatus }
  /** Chat windows: an application-menu item was chosen; run it as its button or key would. */
  | { type: 'onMenuCommand'; command: AppCommand }
  /** The local API's state changed: started, stopped, failed, served a request (see `api.getStatus`). */
  | { type: 'onApiStatus'; status: LocalApiStatus };

/**
 * How long, at least, a deleted conversation can be restored (`conversations.restore`), in ms from its deletion. The
 * window's Undo toast closes well before it.
 */
export const DELETE_UNDO_WINDOW_MS = 30_000;

export type MethodName = keyof Methods;
export type ResultOf<K extends MethodName> = Methods[K]['result'];
export type EventOf<K extends MethodName> = Methods[K]['events'];

/**
 * Typed error codes that cross the wire. A caller can switch on them; `message` is for people.
 * - `BAD_REQUEST`: a message or params did not match the contract.
 * - `UNKNOWN_METHOD`: no such method.
 * - `NOT_FOUND`: the conversation or message does not exist.
 * - `NO_MODEL`: no model is loaded.
 * - `BUSY`: the engine is already answering in this conversation.
 * - `CONTEXT_OVERFLOW`: the message does not fit in the model's context window.
 * - `ENGINE_FAILED`: generation or model loading failed.
 * - `STORE_FAILED`: the conversation database could not be read or written; `details.storeCode` says why, e.g.
 *   `DB_CORRUPT` (damaged) or `DB_READ_ONLY` (found damaged earlier: nothing is written until the next start restores
 *   it, so a refused write was never stored).
 * - `ABORTED`: the caller cancelled the request.
 * - `DISCONNECTED`: the connection closed before the answer arrived.
 * - `INTERNAL`: a bug; the message says what failed.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNKNOWN_METHOD'
  | 'NOT_FOUND'
  | 'NO_MODEL'
  | 'BUSY'
  | 'CONTEXT_OVERFLOW'
  | 'ENGINE_FAILED'
  | 'STORE_FAILED'
  | 'ABORTED'
  | 'DISCONNECTED'
  | 'INTERNAL';

export const ERROR_CODES: readonly ErrorCode[] = [
  'BAD_REQUEST',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  'NO_MODEL',
  'BUSY',
  'CONTEXT_OVERFLOW',
  'ENGINE_FAILED',
  'STORE_FAILED',
  'ABORTED',
  'DISCONNECTED',
  'INTERNAL',
];

/** An error with a contract code. Services throw it; the RPC layer carries it across the wire intact. */
export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Optional detail for callers, e.g. validation issues. JSON-safe. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}
