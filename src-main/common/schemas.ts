import * as v from 'valibot';

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

export const schemas = {
  'app.getInfo': Empty,
  'engine.getStatus': Empty,
  'conversations.list': Empty,
  'conversations.create': v.strictObject({ title: v.optional(Title) }),
  'conversations.get': v.strictObject({ id: Id }),
  'conversations.rename': v.strictObject({ id: Id, title: Title }),
  'conversations.delete': v.strictObject({ id: Id }),
  'chat.send': v.strictObject({ conversationId: Id, text: MessageText }),
} as const;

/** Params of each method, as the handler receives them after parsing. */
export type MethodParams = { [K in keyof typeof schemas]: v.InferOutput<(typeof schemas)[K]> };
/** Params of each method, as a caller may pass them. */
export type MethodInput = { [K in keyof typeof schemas]: v.InferInput<(typeof schemas)[K]> };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Parse `params` for `method`; returns readable issues (`text: a message cannot be empty`) on failure. */
export function parseParams<K extends keyof typeof schemas>(method: K, params: unknown): ParseResult<MethodParams[K]> {
  const result = v.safeParse(schemas[method], params);
  if (result.success) return { ok: true, value: result.output as MethodParams[K] };
  return {
    ok: false,
    issues: result.issues.map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  };
}
