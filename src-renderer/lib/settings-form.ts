import type { GenerationOverrides, GenerationSettings } from '../../src-main/common/types';

export type GenerationKey = keyof GenerationSettings;

/** One number field of a settings form, with the bounds the app accepts (see `GenerationSettingsSchema`). */
export interface NumberField<K extends string = string> {
  key: K;
  label: string;
  min: number;
  max: number;
  integer: boolean;
  /** One line under the field. */
  help: string;
}

/** The sampling fields, in the order they are shown. */
export const GENERATION_FIELDS: readonly NumberField<GenerationKey>[] = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, integer: false, help: '0 always picks the likeliest word; higher is more varied.' },
  { key: 'topP', label: 'Top-p', min: 0, max: 1, integer: false, help: 'Only the likeliest words that add up to this share.' },
  { key: 'topK', label: 'Top-k', min: 0, max: 1000, integer: true, help: 'Only this many likeliest words; 0 turns it off.' },
  { key: 'repeatPenalty', label: 'Repeat penalty', min: 1, max: 2, integer: false, help: '1 turns it off; higher repeats less.' },
  { key: 'maxTokens', label: 'Longest reply (tokens)', min: 1, max: 2048, integer: true, help: 'A reply stops at this many tokens.' },
  { key: 'seed', label: 'Seed', min: 0, max: 0xffff_ffff, integer: true, help: 'A fixed seed repeats the same reply.' },
];

/** The text in each sampling field. */
export type GenerationDraft = Record<GenerationKey, string>;
/** A message per field that is wrong. */
export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

/** The fields' text for settings (a missing override or a random seed is an empty field). */
export function generationDraft(settings: GenerationOverrides): GenerationDraft {
  const text = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));
  return {
    temperature: text(settings.temperature),
    topP: text(settings.topP),
    topK: text(settings.topK),
    repeatPenalty: text(settings.repeatPenalty),
    maxTokens: text(settings.maxTokens),
    seed: text(settings.seed),
  };
}

/** Read one number field; `null` for an empty field; a sentence when the text is not an allowed number. */
export function readNumber(field: NumberField, text: string): { value: number | null; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  const kind = field.integer ? 'a whole number' : 'a number';
  const range = `${field.label} must be ${kind} from ${field.min.toLocaleString('en-US')} to ${field.max.toLocaleString('en-US')}.`;
  if (!Number.isFinite(value) || (field.integer && !Number.isInteger(value)) || value < field.min || value > field.max) {
    return { value: null, error: range };
  }
  return { value };
}

/**
 * The app's sampling settings from the form: every field is required except the seed (empty = random).
 * Returns the settings, or the errors in words.
 */
export function readGenerationSettings(
  draft: GenerationDraft,
): { ok: true; value: GenerationSettings } | { ok: false; errors: FieldErrors<GenerationKey> } {
  const errors: FieldErrors<GenerationKey> = {};
  const values: Partial<Record<GenerationKey, number | null>> = {};
  for (const field of GENERATION_FIELDS) {
    const { value, error } = readNumber(field, draft[field.key]);
    if (error !== undefined) errors[field.key] = error;
    else if (value === null && field.key !== 'seed') errors[field.key] = `${field.label} cannot be empty.`;
    else values[field.key] = value;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      temperature: values.temperature ?? 0,
      topP: values.topP ?? 0,
      topK: values.topK ?? 0,
      repeatPenalty: values.repeatPenalty ?? 1,
      maxTokens: values.maxTokens ?? 1,
      seed: values.seed ?? null,
    },
  };
}

/** A conversation's overrides from the form: an empty field means "the app default". */
export function readGenerationOverrides(
  draft: GenerationDraft,
): { ok: true; value: GenerationOverrides } | { ok: false; errors: FieldErrors<GenerationKey> } {
  const errors: FieldErrors<GenerationKey> = {};
  const value: GenerationOverrides = {};
  for (const field of GENERATION_FIELDS) {
    const read = readNumber(field, draft[field.key]);
    if (read.error !== undefined) errors[field.key] = read.error;
    else if (read.value !== null) value[field.key] = read.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}
