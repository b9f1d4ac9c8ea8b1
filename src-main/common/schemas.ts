import * as v from 'valibot';
import { describeIssues } from './issues';
import { checkGlobalShortcut, MAX_ACCELERATOR_LENGTH } from './accelerator';

/**
 * Runtime schemas for every contract input. The main process (or browser host) parses each request's params with
 * these before any service sees them: the renderer is untrusted.
 */

/** The largest message a user may send, in UTF-16 code units (about 1 MB of text). */
export const MAX_MESSAGE_LENGTH = 1_000_000;
/** The longest conversation title. */
export const MAX_TITLE_LENGTH = 200;

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/, 'must be an id'));

const Title = v.pipe(v.string(), v.trim(), v.minLength(1, 'a title cannot be empty'), v.maxLength(MAX_TITLE_LENGTH));

const MessageText = v.pipe(
  v.string(),
  v.maxLength(MAX_MESSAGE_LENGTH, `a message is limited to ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} characters`),
  v.check((text) => text.trim().length > 0, 'a message cannot be empty'),
);

const Empty = v.strictObject({});

/** The longest system prompt, in characters. */
export const MAX_SYSTEM_PROMPT_LENGTH = 20_000;
/** The longest search query. */
export const MAX_QUERY_LENGTH = 500;

/**
 * The context window the app gives any model, in tokens: Phi-2's trained context. A model trained with a longer one
 * still gets this window (and a KV cache and memory check sized to it); one trained with less gets its own.
 */
export const CONTEXT_WINDOW_TOKENS = 2048;

const bounded = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));
const integer = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const Timestamp = integer(0, 8.64e15);
/** The most conversations one `conversations.listPage` answer holds (~0.3 MB of JSON per 1,000). */
export const MAX_LIST_PAGE = 5_000;

export const GenerationSettingsSchema = v.strictObject({
  temperature: bounded(0, 2),
  topP: bounded(0, 1),
  topK: integer(0, 1000),
  repeatPenalty: bounded(1, 2),
  seed: v.nullable(integer(0, 0xffff_ffff)),
  maxTokens: integer(1, CONTEXT_WINDOW_TOKENS),
});
export const GenerationOverridesSchema = v.partial(GenerationSettingsSchema);

/**
 * Phi-2's sampling defaults: the app settings start with them, and the engine falls back to them for any field a
 * request leaves out. One definition, so the two cannot drift apart.
 * - temperature 0.3: Phi-2 is a small base model; at the usual 0.7–0.8 it drifts off topic and invents facts, while
 *   fully greedy decoding (0) loops. A low temperature keeps answers focused but not stuck.
 * - topK 40 / topP 0.9: trim the long tail of a 51,200-token vocabulary.
 * - repeatPenalty 1.1 over the reply's last 64 tokens: curbs Phi-2's habit of repeating a sentence.
 * - seed null: random; maxTokens 512: a long answer, about 380 words.
 */
export const PHI2_GENERATION_DEFAULTS: Readonly<v.InferOutput<typeof GenerationSettingsSchema>> = {
  temperature: 0.3,
  topP: 0.9,
  topK: 40,
  repeatPenalty: 1.1,
  seed: null,
  maxTokens: 512,
};

const SystemPrompt = v.pipe(v.string(), v.maxLength(MAX_SYSTEM_PROMPT_LENGTH));

/** A global shortcut in Electron's accelerator syntax that {@link checkGlobalShortcut} accepts (canonical form kept). */
export const GlobalShortcutSchema = v.pipe(
  v.string(),
  v.maxLength(MAX_ACCELERATOR_LENGTH),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const checked = checkGlobalShortcut(dataset.value);
    if (checked.ok) return checked.accelerator;
    addIssue({ message: checked.reason });
    return NEVER;
  }),
);

/** The most threads the setting accepts (a count above the machine's cores runs on all of them). */
export const MAX_ENGINE_THREADS = 256;

/** `auto`, or a fixed count of CPU threads for the local model. */
export const EngineThreadsSchema = v.union([v.literal('auto'), integer(1, MAX_ENGINE_THREADS)]);

export const AppSettingsPatchSchema = v.strictObject({
  theme: v.optional(v.picklist(['system', 'light', 'dark'])),
  sendShortcut: v.optional(v.picklist(['enter', 'mod+enter'])),
  defaultSystemPrompt: v.optional(SystemPrompt),
  defaultGeneration: v.optional(GenerationSettingsSchema),
  dailyBackups: v.optional(v.boolean()),
  prepareWhileTyping: v.optional(v.boolean()),
  engineThreads: v.optional(EngineThreadsSchema),
  backupsToKeep: v.optional(integer(1, 100)),
  // ---- quick prompt and desktop shell (issue 10) ----
  quickShortcut: v.optional(GlobalShortcutSchema),
  quickShortcutEnabled: v.optional(v.boolean()),
  quickHideOnBlur: v.optional(v.boolean()),
  quickClipboardPrefill: v.optional(v.boolean()),
  quickSaveHistory: v.optional(v.boolean()),
  keepInTray: v.optional(v.boolean()),
  startAtLogin: v.optional(v.boolean()),
  // ---- local API and remote engines (issue 15); servers change through `remote.*` ----
  defaultEngine: v.optional(v.nullable(Id)),
  localApiEnabled: v.optional(v.boolean()),
  localApiPort: v.optional(integer(1024, 65_535)),
  localApiSaveHistory: v.optional(v.boolean()),
});

/** Where a conversation was started (`Conversation.source`). */
export const ConversationSourceSchema = v.picklist(['chat', 'quick']);

/** The tallest content the quick prompt reports (`quick.resize`), in CSS pixels; the window is capped lower anyway. */
export const MAX_QUICK_CONTENT_HEIGHT = 10_000;

/**
 * The most clipboard text the quick prompt attaches as context, in characters: about 2,000 tokens, Phi-2's whole
 * window — more could never be answered, and a huge clipboard must not be copied through the app for nothing.
 */
export const MAX_CLIPBOARD_CONTEXT_LENGTH = 8_000;

// ---- models (issue 3) ----
/** The longest model path accepted (Windows long paths allow 32,767; no real model path comes near 4,096). */
export const MAX_MODEL_PATH_LENGTH = 4096;

/** A model file name in the models folder: a plain `.gguf` name, no folders. */
const ModelFileName = v.pipe(
  v.string(),
  v.maxLength(255),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$/, 'must be a .gguf file name'),
);

/**
 * An absolute path (POSIX `/…`, Windows `C:\…` or `\\server\share\…`), trimmed, at most `maxLength` characters;
 * `what` and `example` go into the messages ("type the full path of {what}", "…, such as {example}").
 */
function absolutePath(maxLength: number, what: string, example: string) {
  return v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, `type the full path of ${what}`),
    v.maxLength(maxLength, `a path is limited to ${maxLength} characters`),
    v.check((path) => !path.includes('\0'), 'a path cannot contain a NUL character'),
    v.regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, `must be a full (absolute) path, such as ${example}`),
  );
}

/** An absolute path to a `.gguf` file. */
const ModelFilePath = v.pipe(
  absolutePath(MAX_MODEL_PATH_LENGTH, 'a .gguf file', '/home/me/models/phi-2.Q4_K_M.gguf'),
  v.regex(/\.gguf$/i, 'must be a .gguf file'),
);

// ---- remote engines (issue 15) ----
/** The longest remote server URL, name, model id and API key accepted. */
export const REMOTE_LIMITS = { url: 2048, name: 100, model: 256, apiKey: 4096 } as const;
/** The default port of the local API (`AppSettings.localApiPort`). */
export const DEFAULT_LOCAL_API_PORT = 39_281;
/** The context window assumed for a remote model whose server does not report one. */
export const DEFAULT_REMOTE_CONTEXT_LENGTH = 4096;

/**
 * An OpenAI-compatible API's base URL: http or https, no credentials, query or fragment, ending in `/v1` (a trailing
 * slash is dropped), e.g. `http://localhost:8080/v1`.
 */
export const RemoteBaseUrlSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'type the server’s address, such as http://localhost:8080/v1'),
  v.maxLength(REMOTE_LIMITS.url),
  v.transform((text) => text.replace(/\/+$/, '')),
  v.check((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// address, such as http://localhost:8080/v1'),
  v.check((text) => !/[?#]/.test(text), 'must not have a ? or # part'),
  v.check((text) => /\/v1$/.test(text), 'must end with /v1, such as http://localhost:8080/v1'),
);

const RemoteApiKey = v.pipe(
  v.string(),
  v.trim(),
  v.maxLength(REMOTE_LIMITS.apiKey),
  // Sent in an HTTP header: printable ASCII only, or the request could not even be made.
  v.regex(/^[\x21-\x7e]*$/, 'an API key is letters, digits and punctuation, without spaces'),
);

const RemoteServerName = v.pipe(v.string(), v.trim(), v.minLength(1, 'give the server a name'), v.maxLength(REMOTE_LIMITS.name));
const RemoteModelId = v.pipe(v.string(), v.trim(), v.minLength(1, 'pick a model'), v.maxLength(REMOTE_LIMITS.model));

// ---- history (export and import) ----
/** The longest export or import path accepted. */
export const MAX_HISTORY_PATH_LENGTH = 4096;

/** An absolute path to an export or import file. */
const HistoryFilePath = v.pipe(
  absolutePath(MAX_HISTORY_PATH_LENGTH, 'a file', '/home/me/phi-desk-history.json'),
  v.check((path) => !/[\\/]$/.test(path), 'must name a file, not a folder'),
);

/**
 * The formats `history.export` writes: the whole tree as versioned JSON (lossless, importable), Markdown (for reading
 * and editing, front matter included), or one self-contained HTML page (for reading and sharing: no script, nothing
 * fetched).
 */
export const HistoryFormatSchema = v.picklist(['json', 'markdown', 'html']);

/** The most conversations one export may name (`scope.ids`): far above what a sidebar selection reaches. */
export const MAX_EXPORT_IDS = 100_000;
/** The most files one import may read (ChatGPT splits its export into `conversations-000.json`, `-001`…). */
export const MAX_IMPORT_FILES = 1_000;

/**
 * Which conversations an export takes: all of them, the ones named (one, or a selection in the sidebar), or those
 * matching a search (`query`, as `search.query` reads it; blank: any) whose messages were written in a date range
 * (`from`/`to`, epoch ms, `to` exclusive; a conversation whose title matches counts when it was updated then).
 */
export const HistoryScopeSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('all') }),
  v.strictObject({ kind: v.literal('conversations'), ids: v.pipe(v.array(Id), v.minLength(1), v.maxLength(MAX_EXPORT_IDS)) }),
  v.strictObject({
    kind: v.literal('search'),
    query: v.optional(v.pipe(v.string(), v.maxLength(MAX_QUERY_LENGTH))),
    from: v.optional(Timestamp),
    to: v.optional(Timestamp),
  }),
]);

/** A file the browser host staged: an upload to import (`POST /history/upload` answers with its id). */
const TransferId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be an upload id'));

export const schemas = {
  'app.getInfo': Empty,
  'app.getStartup': Empty,
  'engine.getStatus': Empty,
  'app.getNotices': Empty,
  'app.dismissNotice': v.strictObject({ id: Id }),
  'settings.get': Empty,
  'settings.update': v.strictObject({ patch: AppSettingsPatchSchema }),
  'conversations.list': v.strictObject({ archived: v.optional(v.boolean()) }),
  'conversations.listPage': v.strictObject({
    archived: v.optional(v.boolean()),
    /** Where the previous page ended (its `next`); omitted or `null` for the first page. */
    after: v.optional(
      v.nullable(v.strictObject({ pinned: integer(0, 1), updatedAt: Timestamp, createdAt: Timestamp, id: Id })),
    ),
    limit: v.optional(integer(1, MAX_LIST_PAGE)),
  }),
  'conversations.create': v.strictObject({
    title: v.optional(Title),
    source: v.optional(ConversationSourceSchema),
    /** `null`: the model on this computer; a remote server's id; omitted: the app's `defaultEngine`. */
    engine: v.optional(v.nullable(Id)),
  }),
  'conversations.get': v.strictObject({ id: Id }),
  'conversations.rename': v.strictObject({ id: Id, title: Title }),
  'conversations.delete': v.strictObject({ id: Id }),
  'conversations.restore': v.strictObject({ id: Id }),
  'conversations.update': v.strictObject({
    id: Id,
    pinned: v.optional(v.boolean()),
    archived: v.optional(v.boolean()),
    systemPrompt: v.optional(v.nullable(SystemPrompt)),
    generation: v.optional(GenerationOverridesSchema),
    engine: v.optional(v.nullable(Id)),
  }),
  'messages.page': v.pipe(
    v.strictObject({
      conversationId: Id,
      beforeSeq: v.optional(integer(0, Number.MAX_SAFE_INTEGER)),
      afterSeq: v.optional(integer(1, Number.MAX_SAFE_INTEGER)),
      limit: v.optional(integer(1, 500)),
    }),
    v.check(
      (params) => (params.beforeSeq === undefined) !== (params.afterSeq === undefined),
      'give either beforeSeq (older messages) or afterSeq (newer messages)',
    ),
  ),
  'messages.switchBranch': v.strictObject({ messageId: Id }),
  'messages.deleteSubtree': v.strictObject({ messageId: Id }),
  'search.query': v.strictObject({
    query: v.pipe(v.string(), v.maxLength(MAX_QUERY_LENGTH)),
    conversationId: v.optional(Id),
    from: v.optional(Timestamp),
    to: v.optional(Timestamp),
    limit: v.optional(integer(1, 200)),
    offset: v.optional(integer(0, 100_000)),
  }),
  'search.reveal': v.strictObject({ messageId: Id }),
  // ---- models (issue 3): add model method schemas here ----
  'models.getState': Empty,
  'models.download': v.strictObject({ file: ModelFileName }),
  'models.pauseDownload': v.strictObject({ id: ModelFileName }),
  'models.resumeDownload': v.strictObject({ id: ModelFileName }),
  'models.cancelDownload': v.strictObject({ id: ModelFileName }),
  'models.useFile': v.strictObject({ path: ModelFilePath }),
  'models.chooseFile': Empty,
  // ---- history (export and import) ----
  'history.export': v.pipe(
    v.strictObject({
      format: HistoryFormatSchema,
      /** Write the file here (absolute). */
      path: v.optional(HistoryFilePath),
      /** Or stage it for the browser to download (the browser host only). */
      download: v.optional(v.literal(true)),
      scope: v.optional(HistoryScopeSchema),
      includeArchived: v.optional(v.boolean()),
      branches: v.optional(v.picklist(['shown', 'all'])),
      layout: v.optional(v.picklist(['combined', 'separate'])),
      overwrite: v.optional(v.boolean()),
    }),
    v.check(
      (params) => (params.path === undefined) !== (params.download === undefined),
      'give either path (a file to write) or download: true',
    ),
  ),
  'history.import': v.pipe(
    v.strictObject({
      paths: v.optional(v.pipe(v.array(HistoryFilePath), v.minLength(1), v.maxLength(MAX_IMPORT_FILES))),
      uploads: v.optional(v.pipe(v.array(TransferId), v.minLength(1), v.maxLength(MAX_IMPORT_FILES))),
    }),
    v.check((params) => (params.paths === undefined) !== (params.uploads === undefined), 'give either paths or uploads'),
  ),
  'history.choosePath': v.strictObject({
    purpose: v.picklist(['export', 'import']),
    format: v.optional(v.picklist(['json', 'markdown', 'html', 'zip'])),
    suggestedName: v.optional(v.pipe(v.string(), v.maxLength(255), v.regex(/^[^\\/\0]+$/, 'must be a file name'))),
  }),
  'chat.prepare': v.strictObject({
    conversationId: Id,
    stillTyping: v.optional(v.boolean()),
    text: v.pipe(
      v.string(),
      v.maxLength(MAX_MESSAGE_LENGTH, `a message is limited to ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} characters`),
    ),
  }),
  'chat.measure': v.strictObject({
    /** `null`: a new chat (not created yet). */
    conversationId: v.nullable(Id),
    text: v.pipe(
      v.string(),
      v.maxLength(MAX_MESSAGE_LENGTH, `a message is limited to ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} characters`),
    ),
  }),
  'chat.send': v.strictObject({ conversationId: Id, text: MessageText }),
  // ---- drafts ----
  'drafts.get': v.strictObject({ conversationId: v.nullable(Id) }),
  'drafts.save': v.pipe(
    v.strictObject({
      conversationId: v.nullable(Id),
      text: v.pipe(
        v.string(),
        v.maxLength(MAX_MESSAGE_LENGTH, `a draft saves at most ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} characters`),
      ),
      fullLength: v.optional(v.nullable(integer(1, Number.MAX_SAFE_INTEGER))),
    }),
    v.check(
      (params) => params.fullLength === undefined || params.fullLength === null || params.fullLength > params.text.length,
      'fullLength is the length of a text longer than the one saved',
    ),
  ),
  'chat.edit': v.strictObject({ messageId: Id, text: MessageText }),
  'chat.regenerate': v.strictObject({ messageId: Id }),
  // ---- quick prompt and desktop shell (issue 10) ----
  'windows.showConversation': v.strictObject({ conversationId: Id }),
  'quick.getStatus': Empty,
  'quick.hide': Empty,
  'quick.resize': v.strictObject({ height: integer(0, MAX_QUICK_CONTENT_HEIGHT) }),
  'quick.readClipboard': Empty,
  // ---- local API and remote engines (issue 15) ----
  'api.getStatus': Empty,
  'api.regenerateKey': Empty,
  'remote.probe': v.strictObject({
    baseUrl: RemoteBaseUrlSchema,
    /** A key typed in the form; omitted with `serverId`: the key stored for that server. */
    apiKey: v.optional(RemoteApiKey),
    serverId: v.optional(Id),
  }),
  'remote.save': v.strictObject({
    /** Omitted: a new server. */
    id: v.optional(Id),
    name: RemoteServerName,
    baseUrl: RemoteBaseUrlSchema,
    model: RemoteModelId,
    contextLength: integer(256, 10_000_000),
    contextReported: v.boolean(),
    /** A new key; `null` removes the stored one; omitted keeps it. An empty string is no key. */
    apiKey: v.optional(v.nullable(RemoteApiKey)),
  }),
  'remote.remove': v.strictObject({ id: Id }),
} as const;

/** Params of each method, as the handler receives them after parsing. */
export type MethodParams = { [K in keyof typeof schemas]: v.InferOutput<(typeof schemas)[K]> };
/** Params of each method, as a caller may pass them. */
export type MethodInput = { [K in keyof typeof schemas]: v.InferInput<(typeof schemas)[K]> };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/**
 * Parse `params` for `method`; returns readable issues (`text: a message cannot be empty`) on failure, at most a few
 * and each with at most a short excerpt of the input (see `describeIssues`).
 */
export function parseParams<K extends keyof typeof schemas>(method: K, params: unknown): ParseResult<MethodParams[K]> {
  const result = v.safeParse(schemas[method], params);
  if (result.success) return { ok: true, value: result.output as MethodParams[K] };
  return { ok: false, issues: describeIssues(result.issues) };
}
