import {
  MAX_MESSAGE_LENGTH,
  MAX_MODEL_PATH_LENGTH,
  MAX_SYSTEM_PROMPT_LENGTH,
  MAX_TITLE_LENGTH,
} from '../../common/schemas';
import { StoreError } from './store-error';
import { toWellFormedText } from './well-formed-text';

/**
 * Size limits the store enforces itself, whatever the caller validated: the store is also reached from importers,
 * the browser host and future code paths, and a 50 MB "title" would make every conversation list slow forever.
 * Lengths are UTF-16 code units (JavaScript's `length`), the same unit the contract schemas use.
 */
export const TEXT_LIMITS = {
  /** Message text, including a reply grown by streaming. The same limit the contract puts on a sent message. */
  message: MAX_MESSAGE_LENGTH,
  /** A conversation title. */
  title: MAX_TITLE_LENGTH,
  /** A conversation's (or the app's default) system prompt. Phi-2 sees 2,048 tokens, so more is never useful. */
  systemPrompt: MAX_SYSTEM_PROMPT_LENGTH,
  /** The reason stored with a failed reply. */
  error: 10_000,
  /** A model name or path. */
  model: MAX_MODEL_PATH_LENGTH,
} as const;

/** Which limit applies. */
export type TextKind = keyof typeof TEXT_LIMITS;

const WHAT: Record<TextKind, string> = {
  message: 'A message',
  title: 'A conversation title',
  systemPrompt: 'A system prompt',
  error: 'An error reason',
  model: 'A model name',
};

/**
 * `text` made well-formed (see {@link toWellFormedText}) after checking it is within its limit.
 * @throws StoreError `TOO_LARGE`, naming the limit, so the UI can show it as it is.
 */
export function checkedText(text: string, kind: TextKind): string {
  assertWithinLimit(text.length, kind);
  return toWellFormedText(text);
}

/** @throws StoreError `TOO_LARGE` when `length` is above the limit for `kind`. */
export function assertWithinLimit(length: number, kind: TextKind): void {
  const limit = TEXT_LIMITS[kind];
  if (length > limit) {
    throw new StoreError(
      'TOO_LARGE',
      `${WHAT[kind]} is limited to ${limit.toLocaleString('en-US')} characters (this one has ${length.toLocaleString('en-US')})`,
    );
  }
}
