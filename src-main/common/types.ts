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
}

export interface Conversation {
  id: string;
  title: string;
  /** Unix epoch milliseconds. */
  createdAt: number;
  /** Unix epoch milliseconds: the last time a message was added or changed. */
  updatedAt: number;
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

/** A conversation with its messages in order (oldest first). */
export interface ConversationDetail {
  conversation: Conversation;
  messages: Message[];
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

/** Facts about the running app. */
export interface AppInfo {
  name: string;
  version: string;
  /** `electron` in the desktop app, `browser` in the browser host. */
  host: 'electron' | 'browser';
  /** Where conversations are stored (a folder), shown so a user can find and back up their data. */
  dataDir: string;
}
