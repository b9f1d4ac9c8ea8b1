import * as v from 'valibot';
import { describeIssues } from '../../common/issues';
import { DEFAULT_QUICK_SHORTCUT } from '../../common/accelerator';
import {
  DEFAULT_LOCAL_API_PORT,
  EngineThreadsSchema,
  GenerationOverridesSchema,
  GenerationSettingsSchema,
  GlobalShortcutSchema,
  PHI2_GENERATION_DEFAULTS,
  REMOTE_LIMITS,
  RemoteBaseUrlSchema,
} from '../../common/schemas';
import { StoreError } from './store-error';
import { TEXT_LIMITS } from './input-limits';

/**
 * Typed, validated settings: what the app stores per conversation and app-wide. The sampling settings are the
 * contract's own schemas; the rest are the store's complete (non-partial) shapes with defaults.
 */

const integer = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/**
 * Sampling settings for one reply, as the contract defines them (`src-main/common/schemas.ts` is the one source).
 * Ranges are what llama.cpp accepts and what is still useful for Phi-2:
 * - `temperature` 0–2 (0 is greedy);
 * - `topP` 0–1 (1 turns it off), `topK` 0–1000 (0 turns it off);
 * - `repeatPenalty` 1–2 (1 turns it off; below 1 would reward repetition);
 * - `seed` a 32-bit unsigned integer, or `null` for a random seed per reply;
 * - `maxTokens` 1–2048 (Phi-2's whole context window).
 */
export { GenerationSettingsSchema, GenerationOverridesSchema };

/** Complete sampling settings (the app default). */
export type GenerationSettings = v.InferOutput<typeof GenerationSettingsSchema>;

/** A conversation's sampling overrides. */
export type GenerationOverrides = v.InferOutput<typeof GenerationOverridesSchema>;

/** Phi-2 defaults the app starts with (shared with the engine's fallback). */
export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = { ...PHI2_GENERATION_DEFAULTS };
/** The settings one reply uses: the conversation's overrides over the app's defaults. */
export function resolveGenerationSettings(defaults: GenerationSettings, overrides: GenerationOverrides): GenerationSettings {
  return { ...defaults, ...overrides };
}

const SystemPrompt = v.pipe(v.string(), v.maxLength(TEXT_LIMITS.systemPrompt));

/** An id of the app's own making (a remote server's). */
const EngineId = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/));

/** A remote server as stored (its key is not: see `SecretStore`). */
export const RemoteServerSchema = v.strictObject({
  id: EngineId,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(REMOTE_LIMITS.name)),
  baseUrl: RemoteBaseUrlSchema,
  model: v.pipe(v.string(), v.minLength(1), v.maxLength(REMOTE_LIMITS.model)),
  contextLength: integer(256, 10_000_000),
  contextReported: v.boolean(),
  hasKey: v.boolean(),
});

/**
 * App-wide settings, one row per key in `app_settings`. Every key has a default ({@link DEFAULT_APP_SETTINGS}), so
 * reading never fails and a new key needs no migration.
 */
export const AppSettingsSchema = v.strictObject({
  /** Colour scheme. */
  theme: v.picklist(['system', 'light', 'dark']),
  /** Which key sends a message: Enter (Shift+Enter for a new line), or Ctrl/Cmd+Enter. */
  sendShortcut: v.picklist(['enter', 'mod+enter']),
  /** The system prompt of a new conversation. */
  defaultSystemPrompt: SystemPrompt,
  /** Sampling settings of a conversation that overrides nothing. */
  defaultGeneration: GenerationSettingsSchema,
  /** The model file to load at start, or `null` to ask. */
  modelPath: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(TEXT_LIMITS.model))),
  /** Take a backup of the database once a day. */
  dailyBackups: v.boolean(),
  /** Evaluate the prompt ahead while the user types (see `chat.prepare`). */
  prepareWhileTyping: v.boolean(),
  /** CPU threads of the local model: `auto` or a fixed count. */
  engineThreads: EngineThreadsSchema,
  /** How many backups to keep in the `backups/` folder. */
  backupsToKeep: integer(1, 100),
  // ---- quick prompt and desktop shell (issue 10) ----
  /** The global shortcut of the quick prompt (a valid, canonical accelerator). */
  quickShortcut: GlobalShortcutSchema,
  /** The global shortcut is registered at all. */
  quickShortcutEnabled: v.boolean(),
  /** The quick prompt hides when it loses focus. */
  quickHideOnBlur: v.boolean(),
  /** The quick prompt offers the clipboard's text as context. */
  quickClipboardPrefill: v.boolean(),
  /** Quick exchanges stay in the history. */
  quickSaveHistory: v.boolean(),
  /** Closing the chat window keeps the app in the tray. */
  keepInTray: v.boolean(),
  /** Start the app at login (where supported). */
  startAtLogin: v.boolean(),
  // ---- local API and remote engines (issue 15) ----
  /** Where new conversations' replies come from: `null` the local model, else a remote server's id. */
  defaultEngine: v.nullable(EngineId),
  /** The OpenAI-compatible servers the user added. */
  remoteServers: v.pipe(v.array(RemoteServerSchema), v.maxLength(100)),
  /** Serve the local model over the OpenAI-compatible API on 127.0.0.1. */
  localApiEnabled: v.boolean(),
  /** The local API's port. */
  localApiPort: integer(1024, 65_535),
  /** Keep local API exchanges in the history. */
  localApiSaveHistory: v.boolean(),
});

/** App-wide settings. */
export type AppSettings = v.InferOutput<typeof AppSettingsSchema>;
/** A settings key. */
export type AppSettingKey = keyof AppSettings;

/** Settings of a fresh install. */
export const DEFAULT_APP_SETTINGS: AppSettings = {
  theme: 'system',
  sendShortcut: 'enter',
  defaultSystemPrompt: '',
  defaultGeneration: DEFAULT_GENERATION_SETTINGS,
  modelPath: null,
  dailyBackups: true,
  prepareWhileTyping: true,
  engineThreads: 'auto',
  backupsToKeep: 7,
  quickShortcut: DEFAULT_QUICK_SHORTCUT,
  quickShortcutEnabled: true,
  quickHideOnBlur: true,
  // The clipboard may hold anything (a password just copied): it is read only when the user asks for it.
  quickClipboardPrefill: false,
  quickSaveHistory: true,
  // Off: with no tray on some Linux desktops, a closed window must not leave an app running out of sight.
  keepInTray: false,
  startAtLogin: false,
  defaultEngine: null,
  remoteServers: [],
  // Off: nothing listens on a port until the user asks for it.
  localApiEnabled: false,
  localApiPort: DEFAULT_LOCAL_API_PORT,
  // Off: what other programs ask is theirs, not the user's history, unless the user wants it kept.
  localApiSaveHistory: false,
};

/** Every key, for iteration. */
export const APP_SETTING_KEYS = Object.keys(AppSettingsSchema.entries) as AppSettingKey[];

/** A change to some app settings. */
export const AppSettingsPatchSchema = v.partial(AppSettingsSchema);

/** The value for `key` checked against its schema. @throws StoreError `INVALID_INPUT`. */
export function parseAppSetting<K extends AppSettingKey>(key: K, value: unknown): AppSettings[K] {
  if (!Object.hasOwn(AppSettingsSchema.entries, key)) {
    throw new StoreError('INVALID_INPUT', `There is no setting "${String(key)}"`);
  }
  return parseOrThrow(AppSettingsSchema.entries[key], value, `the setting "${key}"`) as AppSettings[K];
}

/**
 * `value` parsed by `schema`.
 * @throws StoreError `INVALID_INPUT` whose message lists each problem with its path ("topK: Invalid value…").
 */
export function parseOrThrow<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new StoreError('INVALID_INPUT', `Invalid ${what}: ${describeIssues(result.issues).join('; ')}`);
}

/**
 * A change to a conversation ({@link ConversationPatch} in store-types). Text lengths are checked separately, so an
 * over-long text fails with `TOO_LARGE` rather than a generic `INVALID_INPUT`.
 */
export const ConversationPatchSchema = v.strictObject({
  title: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, 'a title cannot be empty'))),
  pinned: v.optional(v.boolean()),
  archived: v.optional(v.boolean()),
  systemPrompt: v.optional(v.nullable(v.string())),
  generation: v.optional(GenerationOverridesSchema),
  model: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1)))),
  engine: v.optional(v.nullable(EngineId)),
});
