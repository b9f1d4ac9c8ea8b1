/**
 * Plain data shapes shared by every layer. They cross the wire as JSON (WebSocket) or structured clone
 * (Electron IPC), so they hold only strings, numbers, booleans, null, arrays and plain objects.
 */

/** Who wrote a message. */
export type MessageRole = 'user' | 'assistant';

/**
 * Where a message is in its life.
 * - `complete`: finished normally.
 * - `streaming`: an assistant reply being generated right now (its text grows).
 * - `stopped`: the user pressed Stop; the text so far is kept.
 * - `interrupted`: the app or engine died while it streamed; the text so far is kept.
 * - `error`: generation failed; `error` on the message says why, the text so far is kept.
 */
export type MessageStatus = 'complete' | 'streaming' | 'stopped' | 'interrupted' | 'error';

/** Why generation ended. */
export type StopReason = 'eos' | 'stopText' | 'maxTokens' | 'aborted' | 'error';

/** Per-reply engine figures, stored with the assistant message. */
export interface ReplyStats {
  /** Tokens in the prompt the model saw for this reply. */
  promptTokens: number;
  /** Tokens of prompt that had to be evaluated (the rest came from the KV cache). */
  evaluatedPromptTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** Milliseconds from request to the first token of text. */
  timeToFirstTokenMs: number;
  /** Generated tokens per second, measured from the first generated token. */
  tokensPerSecond: number;
  stopReason: StopReason;
  /**
   * How many messages of the conversation, counting back from the user's message this reply answers (included),
   * were in the model's view. Older messages were dropped to fit the context window. Absent in old rows.
   */
  messagesInView?: number;
  /** How many older messages were left out to fit the context window (0 = the whole conversation fit). */
  messagesDropped?: number;
  /**
   * The model that wrote the reply, as shown under it: the local model's name (`phi-2`), or a remote server's model
   * and the server's name (`llama3.1:8b · Lab GPU`). Absent in rows written before it was recorded.
   */
  model?: string;
}

/** Where a page of the conversation list ended: the next page begins after this row (`conversations.listPage`). */
export interface ConversationListCursor {
  /** 1 for a pinned conversation, else 0. */
  pinned: number;
  updatedAt: number;
  createdAt: number;
  id: string;
}

export interface Conversation {
  id: string;
  title: string;
  /** Unix epoch milliseconds. */
  createdAt: number;
  /** Unix epoch milliseconds: the last time a message was added or changed. */
  updatedAt: number;
  /** Shown at the top of the list. */
  pinned: boolean;
  /** Hidden from the default list; still searchable. */
  archived: boolean;
  /** This conversation's system prompt, or `null` for the app default. */
  systemPrompt: string | null;
  /** Sampling overrides for this conversation; a missing field means the app default. */
  generation: GenerationOverrides;
  /** The model that wrote the latest reply (a display name), or `null` before the first reply. */
  model: string | null;
  /** Where it was started: the chat window, or the quick prompt (shown marked "Quick" in the list). */
  source: ConversationSource;
  /**
   * Where its replies come from: `null` for the model on this computer, or the id of a remote server the user added
   * (`AppSettings.remoteServers`). Set when the conversation is created (the app's `defaultEngine` then) and changed
   * in its settings.
   */
  engine: string | null;
}

/** Where a conversation was started. */
export type ConversationSource = 'chat' | 'quick';

/** Sampling settings for a reply. Phi-2 defaults live in the app settings (`defaultGeneration`). */
export interface GenerationSettings {
  /** 0 = greedy; 0..2. */
  temperature: number;
  /** 0..1. */
  topP: number;
  /** 0 = off; 0..1000. */
  topK: number;
  /** 1 = off; 1..2. */
  repeatPenalty: number;
  /** A fixed seed makes sampling reproducible; `null` = random. */
  seed: number | null;
  /** Cap on the tokens of one reply; 1..2048. */
  maxTokens: number;
}

/** Per-conversation overrides of {@link GenerationSettings}. */
export type GenerationOverrides = Partial<GenerationSettings>;

/** App-wide settings, stored in the database. */
/**
 * How many CPU threads the local model runs on: `auto` (every core while the machine is free, fewer while another
 * program takes one) or a fixed count.
 */
export type EngineThreads = 'auto' | number;

export interface AppSettings {
  theme: 'system' | 'light' | 'dark';
  sendShortcut: 'enter' | 'mod+enter';
  /** Used by conversations without their own system prompt. Empty = none. */
  defaultSystemPrompt: string;
  defaultGeneration: GenerationSettings;
  /** The model loaded at start, or `null` when none is chosen yet (first run). */
  modelPath: string | null;
  dailyBackups: boolean;
  /**
   * Evaluate the prompt ahead while the user types (and when a conversation is opened), so a reply starts sooner
   * after Send; it uses one CPU core in the typing pauses.
   */
  prepareWhileTyping: boolean;
  backupsToKeep: number;
  /** CPU threads of the local model (Settings → Model): `auto` by default. */
  engineThreads: EngineThreads;
  // ---- quick prompt and desktop shell (issue 10) ----
  /** The global shortcut that shows and hides the quick prompt, in Electron's accelerator syntax. */
  quickShortcut: string;
  /** The global shortcut is on; off, nothing is registered (the tray and `phi-desk --quick` still open it). */
  quickShortcutEnabled: boolean;
  /** The quick prompt hides when it loses focus (clicking another window). */
  quickHideOnBlur: boolean;
  /** The quick prompt offers the clipboard's text as context when it opens. Off by default: the clipboard is private. */
  quickClipboardPrefill: boolean;
  /** Quick exchanges are kept in the history (marked "Quick"); off, each is deleted when the next one starts. */
  quickSaveHistory: boolean;
  /** Closing the chat window leaves Phi Desk running in the tray (so the shortcut keeps working). */
  keepInTray: boolean;
  /** Start Phi Desk (in the tray) when the user logs in, where the system supports it. */
  startAtLogin: boolean;
  // ---- OpenAI-compatible local API and remote engines (issue 15) ----
  /** Where new conversations' replies come from: `null` for the model on this computer, or a remote server's id. */
  defaultEngine: string | null;
  /**
   * The OpenAI-compatible servers the user added (Settings → Models), the only servers the app ever calls besides the
   * model download. Changed with `remote.save` and `remote.remove`, not `settings.update`; their API keys are kept
   * apart (never in the settings, never sent to a window).
   */
  remoteServers: RemoteServer[];
  /** Serve the local model to other programs over an OpenAI-compatible API on 127.0.0.1 (see `api.getStatus`). */
  localApiEnabled: boolean;
  /** The local API's port on 127.0.0.1. */
  localApiPort: number;
  /** Keep each local API request and its reply in the history as a conversation. Off by default. */
  localApiSaveHistory: boolean;
}

/** An OpenAI-compatible server (llama-server, vLLM, Ollama, LM Studio…) a conversation can use instead of the local model. */
export interface RemoteServer {
  id: string;
  /** The user's name for it, e.g. `Lab GPU`. */
  name: string;
  /** The API's base URL, ending in `/v1` (e.g. `http://gpu-box:8000/v1`). */
  baseUrl: string;
  /** The model its replies are asked of (an id from its `GET /models`). */
  model: string;
  /** The model's context window in tokens: as the server reported it (`contextReported`), or as the user set it. */
  contextLength: number;
  /** True when `contextLength` came from the server's model list. */
  contextReported: boolean;
  /** An API key is stored for it (sent as `Authorization: Bearer …`). The key itself never leaves the main process. */
  hasKey: boolean;
}

/** A model a remote server lists (`GET /models`), for the Models settings' picker. */
export interface RemoteModelInfo {
  id: string;
  /** The context window the server reports for it (vLLM's `max_model_len`, llama-server's `n_ctx`…), if any. */
  contextLength: number | null;
}

/**
 * What "Test connection" found (`remote.probe`): the server's models, or why it could not be used, in words
 * (`reason` to branch on).
 */
export type RemoteProbeResult =
  | { ok: true; models: RemoteModelInfo[] }
  | {
      ok: false;
      reason: 'UNREACHABLE' | 'TIMEOUT' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'RATE_LIMITED' | 'SERVER_ERROR' | 'REFUSED' | 'BAD_RESPONSE';
      message: string;
    };

/** The local API's state for the Settings dialog (`api.getStatus`, pushed as `onApiStatus`). */
export interface LocalApiStatus {
  /** `off` (the setting is off), `starting`, `running`, or `failed` to start (see `lastError`). */
  state: 'off' | 'starting' | 'running' | 'failed';
  /** The base URL to give other programs (`http://127.0.0.1:39281/v1`) while running; `null` otherwise. */
  url: string | null;
  /** The bearer key requests must carry; generated when the API is first turned on, `null` before. */
  key: string | null;
  /** Chat completions answered since the app started. */
  requestsServed: number;
  /** The last failure (a refused request, a port in use, a failed reply), in words, and when (epoch ms). */
  lastError: { message: string; at: number } | null;
}

/**
 * The desktop shell's state for the Settings dialog (`quick.getStatus`, pushed as `onQuickStatus`): whether the global
 * shortcut works, and what the tray and login item can do here.
 */
export interface QuickStatus {
  /**
   * `registered`: the shortcut works in every program; `off`: turned off in Settings; `failed`: the system or another
   * program refused it (see `message`); `unavailable`: this host has no global shortcuts (the browser host).
   */
  shortcut: 'registered' | 'off' | 'failed' | 'unavailable';
  /** The chord registered now, or `null` when none is. */
  accelerator: string | null;
  /** What the user should know, in words (why it failed and the fallbacks), or `null` when all is well. */
  message: string | null;
  /** A tray icon is shown (its menu opens the quick prompt). */
  tray: boolean;
  /** The system lets Phi Desk start at login (`startAtLogin`); false on Linux and in the browser host. */
  loginItem: boolean;
}

/** A message's place among its siblings (same parent), for a "‹ 2/3 ›" switcher. */
export interface BranchPosition {
  messageId: string;
  /** 0-based position among the siblings, oldest first. */
  index: number;
  /** How many siblings there are, the message included (1 = no alternative). */
  count: number;
  previousId: string | null;
  nextId: string | null;
}

/** A run of text in a search result; `match` runs are what the query matched (render each run as a text node). */
export interface TextRun {
  text: string;
  match: boolean;
}

export interface MessageSearchHit {
  conversationId: string;
  conversationTitle: string;
  messageId: string;
  role: MessageRole;
  createdAt: number;
  snippet: TextRun[];
}

export interface ConversationSearchHit {
  conversationId: string;
  title: TextRun[];
  updatedAt: number;
  archived: boolean;
}

export interface SearchResults {
  conversations: ConversationSearchHit[];
  messages: MessageSearchHit[];
}

/** Something the user must be told about once (e.g. the database was recovered from a backup). */
export interface AppNotice {
  id: string;
  level: 'info' | 'warning' | 'error';
  text: string;
}

export interface Message {
  id: string;
  conversationId: string;
  /** The message this one answers or follows; `null` for the first message of a conversation. */
  parentId: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  /** Unix epoch milliseconds. */
  createdAt: number;
  /** Engine figures for an assistant reply, once it has ended. */
  stats: ReplyStats | null;
  /** A human-readable reason when `status` is `error`. */
  error: string | null;
}

/** A conversation with the messages of its current branch in order (oldest first). */
export interface ConversationDetail {
  conversation: Conversation;
  /** The newest messages of the current branch (all of them unless the conversation is long; see `olderBefore`). */
  messages: Message[];
  /** Sibling positions for every message in `messages` that has alternatives (count > 1). */
  branches: BranchPosition[];
  /** Pass to `messages.page` as `beforeSeq` to load older messages; `null` when `messages` starts at the first. */
  olderBefore: number | null;
  /**
   * Pass to `messages.page` as `afterSeq` to load newer messages; `null` when `messages` ends at the newest (every
   * view but a `search.reveal` of a message far up a long conversation).
   */
  newerAfter: number | null;
}

/** What the engine is doing. */
export type EngineState = 'noModel' | 'loading' | 'ready' | 'error';

export interface EngineStatus {
  state: EngineState;
  /** Absolute path of the model file loaded or loading, if any. */
  modelPath: string | null;
  /** A short display name (the file name, or the GGUF `general.name`). */
  modelName: string | null;
  /** Load progress 0..1 while `state` is `loading`. */
  loadProgress: number | null;
  /** Context window size in tokens, once loaded. */
  contextSize: number | null;
  /** A human-readable reason when `state` is `error`. */
  error: string | null;
}

/**
 * What the next prompt of a conversation takes of the model's context window (`chat.measure`): the system prompt,
 * the messages of the shown branch the model would see, and the draft as the next message, in the model's prompt
 * format, counted with its tokenizer and fitted as `chat.send` fits it.
 */
export type ContextMeasure = ContextMeasured | ContextUnavailable;

export interface ContextMeasured {
  available: true;
  /** The model's context window, in tokens (2048 for Phi-2). */
  contextSize: number;
  /**
   * Tokens of the next prompt: the older messages that would be dropped are not counted. When `fits` is false, the
   * tokens of the draft's exchange alone (with the system prompt), which is too long by itself.
   */
  promptTokens: number;
  /** False when `promptTokens` is a lower bound (a draft far beyond the window is not tokenized in full). */
  exact: boolean;
  /**
   * True when the counts are estimated from the text's length (a remote model: its tokenizer is on the server), not
   * counted with the model's tokenizer.
   */
  estimated?: boolean;
  /** False when the draft's exchange alone does not fit: `chat.send` would fail with `CONTEXT_OVERFLOW`. */
  fits: boolean;
  /**
   * The most the prompt may take: `contextSize` less `replyReserve`. Past it the oldest messages are dropped (and when
   * the draft's exchange alone is past it, the message is refused).
   */
  promptBudget: number;
  /** Tokens always kept free for the reply: the engine's reserve, or the reply length limit if that is lower. */
  replyReserve: number;
  /** The reply's length limit (`maxTokens` of the settings in force). */
  maxReplyTokens: number;
  /** The longest reply the prompt leaves room for: `maxReplyTokens`, or less when the window is fuller; 0 if it does not fit. */
  replyTokens: number;
  /** Messages of the branch (counting back from its last) the model would see; the draft is not counted. */
  messagesInView: number;
  /** Older messages of the branch that would be left out to fit the window. */
  messagesDropped: number;
  /** The branch's last message when measured (the draft follows it); `null` for an empty conversation or a new chat. */
  afterMessageId: string | null;
}

export interface ContextUnavailable {
  available: false;
  /** Why nothing was counted: no model loaded, one loading, or the engine failed (no tokenizer to count with). */
  reason: 'noModel' | 'loading' | 'error';
  /** The context window, when the engine knows it. */
  contextSize: number | null;
}

// ---- start-up (issue 16) ----

/**
 * Where the app's start stands (`app.getStartup`, pushed as `onStartupProgress` as it changes). The window shows it
 * from its first paint: a start-up panel while the conversation database opens, then a quiet line while the check
 * for damage finishes in the background.
 */
export interface StartupState {
  /**
   * `opening`: the conversation database is being opened (the window shows the start-up panel; every method that
   * needs the database waits for it); `ready`: the app can be used; `failed`: the database could not be opened
   * (`error` says why, and the methods that need it fail with `STORE_FAILED`).
   */
  phase: 'opening' | 'ready' | 'failed';
  /** What is being done while `opening`, in words, with how far it is; `null` once the phase is over. */
  step: StartupStep | null;
  /**
   * What the user should know about this start, in words, or `null`: an update interrupted last time that goes on
   * now, a recovery from damage found last time.
   */
  note: string | null;
  /** Why the database could not be opened (`failed`), in words; `null` otherwise. */
  error: string | null;
  /**
   * The check for damage that goes on in the background once the app is ready (the window can be used meanwhile):
   * what it is doing, in words, and how far it is; `null` when it is not running.
   */
  check: StartupStep | null;
}

/** One piece of start-up work, for a progress bar. */
export interface StartupStep {
  /** What kind of work it is. */
  kind: 'open' | 'recover' | 'backup' | 'migrate' | 'salvage' | 'check';
  /** In words: "Updating the database: 312,000 of 1,000,000 messages". */
  text: string;
  /** How far it is, 0..1; `null` when that cannot be told (the bar then moves without a figure). */
  fraction: number | null;
  /** About how long is left, in milliseconds, from its pace so far; `null` until that can be estimated. */
  remainingMs: number | null;
}

/** Facts about the running app. */
export interface AppInfo {
  name: string;
  version: string;
  /** `electron` in the desktop app, `browser` in the browser host. */
  host: 'electron' | 'browser';
  /** Where conversations are stored (a folder), shown so a user can find and back up their data. */
  dataDir: string;
  /** The app's log file (errors and facts about the app, never what anyone wrote), for a bug report. */
  logFile: string;
  /** Logical processors of the machine the model runs on: the most threads Settings offers. */
  processors: number;
}

// ---- models (issue 3: model manager) ----

/** One Phi-2 file the app offers to download (from `TheBloke/phi-2-GGUF`). */
export interface ModelCatalogItem {
  /** The file name, also the download's id, e.g. `phi-2.Q4_K_M.gguf`. */
  file: string;
  /** e.g. `Q4_K_M`. */
  quantization: string;
  /** Exact size in bytes, when known. */
  sizeBytes: number | null;
  /** The size as Hugging Face lists it, e.g. `1.79 GB`. */
  sizeLabel: string;
  /** One line on the quality trade-off. */
  note: string;
  /** The recommended default (exactly one entry). */
  recommended: boolean;
}

/**
 * Where a download is: `queued`, `downloading`, `paused` (by the user, or found half-done after a restart),
 * `verifying` (checksum and GGUF header), `done`, `error`, `cancelled`.
 */
export type ModelDownloadState = 'queued' | 'downloading' | 'paused' | 'verifying' | 'done' | 'error' | 'cancelled';

/** A download failure: a code to branch on, a sentence for the user, and whether `resume` can continue it. */
export interface ModelDownloadError {
  code: string;
  message: string;
  resumable: boolean;
}

/** A snapshot of one model download. */
export interface ModelDownload {
  /** The file name; pass it to `models.pauseDownload` and friends. */
  id: string;
  url: string;
  state: ModelDownloadState;
  bytesDone: number;
  totalBytes: number | null;
  /** Smoothed transfer rate; `null` before the first measurement. */
  bytesPerSecond: number | null;
  /** Seconds left at that rate; `null` when unknown. */
  etaSeconds: number | null;
  /** The SHA-256 the file is checked against, once known. */
  sha256: string | null;
  /** Where the finished model is (`done` only). */
  path: string | null;
  error: ModelDownloadError | null;
}

/** A `.gguf` file in the app's models folder. */
export interface LocalModelFile {
  file: string;
  /** Absolute path: pass it to `models.useFile`. */
  path: string;
  sizeBytes: number;
}

/** Everything the model manager shows. */
export interface ModelsState {
  catalog: ModelCatalogItem[];
  /** Downloads of this session, and unfinished ones left by an earlier run (`paused`). */
  downloads: ModelDownload[];
  /** Finished models in `modelsDir`. */
  localModels: LocalModelFile[];
  /** The model chosen by the user, loaded at start (`null` on first run). */
  currentModelPath: string | null;
  /** Where downloads are saved: `<data folder>/models`. */
  modelsDir: string;
  /** True when the host can show a native file dialog (`models.chooseFile`); otherwise ask for a typed path. */
  fileDialog: boolean;
  /** Why the last attempt to load a model failed (e.g. the saved model at start), in words; `null` after a success. */
  lastError: string | null;
}

// ---- history (export and import) ----

/**
 * How far a long export or import is. An export counts messages (of every branch of the conversations it takes, also
 * when it writes only the branch shown); an import counts bytes read of its files (how many messages a file holds is
 * only known once it is read), with the conversations and messages added so far.
 */
export interface HistoryProgress {
  done: number;
  total: number;
  unit: 'messages' | 'bytes';
  /** Conversations written or added so far. */
  conversations: number;
  /** Messages written or added so far. */
  messages: number;
}

/** The export formats (`history.export`). */
export type HistoryFormat = 'json' | 'markdown' | 'html';

/** What `history.export` wrote. */
export interface HistoryExportResult {
  /** The file written (absolute); `null` for a download. */
  path: string | null;
  /** A download staged by the browser host: fetch `url` (same origin, with the page's token) once, within minutes. */
  download: { url: string; fileName: string } | null;
  /** The file's name (`phi-desk-history-2026-11-27.html`, `Trip plans.md`, `….zip`). */
  fileName: string;
  format: HistoryFormat;
  /** One file per conversation, in a zip with an index (`layout: 'separate'`). */
  zipped: boolean;
  conversations: number;
  /** Messages written: every branch for JSON (and Markdown or HTML with `branches: 'all'`), else the branch shown. */
  messages: number;
  /** Size of the file written. */
  bytes: number;
  /**
   * Conversations left out because the database is damaged where they are stored: a rescue export from a damaged
   * database goes on past them. Their id, and their title when it could still be read; empty normally.
   */
  unreadable: Array<{ id: string; title: string | null }>;
}

/** A conversation an import could not add, and why. */
export interface HistoryImportFailure {
  /** The file (or `archive.zip › conversations.json`) it is in. */
  file: string;
  /** Its title, or its place in the file (`conversation 12`) when it has none. */
  conversation: string;
  /** Why, in words. */
  reason: string;
}

/** What `history.import` did. */
export interface HistoryImportResult {
  /** Conversations added, each with new ids. */
  imported: number;
  /**
   * Conversations skipped because they are already here: the same ChatGPT conversation (by its id), or an identical
   * Phi Desk one (same title, start time and messages).
   */
  skipped: number;
  /** Conversations that could not be added, with the reason (a damaged entry, a file cut short…); the rest were. */
  failed: HistoryImportFailure[];
  /** Messages added. */
  messages: number;
  /** The new ids of the conversations added, in file order. */
  conversationIds: string[];
  /** Parts of messages that are not text (images, files, audio), written as "[image omitted]" and the like. */
  omitted: number;
  /** What the files were: Phi Desk exports, ChatGPT exports, or both. */
  formats: Array<'phi-desk' | 'chatgpt'>;
}

/**
 * The composer's unsent text of one conversation, or of the new chat, as saved (`drafts.get`, `drafts.save`): it
 * survives a reload and a restart, and goes when the conversation is deleted.
 */
export interface Draft {
  /** `null`: the new chat (no conversation yet). */
  conversationId: string | null;
  /** The text; empty when there is no draft. Never longer than a message may be (`MAX_MESSAGE_LENGTH`). */
  text: string;
  /**
   * Set when the text typed was longer than a message may be and only its start (`text`) could be kept: how long it
   * was. The window says so.
   */
  fullLength: number | null;
  /** When it was saved (epoch ms); `null` when there is no draft. */
  savedAt: number | null;
}
