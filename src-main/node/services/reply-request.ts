import type { AppSettings, Conversation, Message } from '../../common/types';
import type { ChatTurn, ContextWindowInfo, GenerateRequest, GenerationSettings as EngineSettings } from '../engine/port';
import { resolveGenerationSettings } from '../store/settings-schemas';

/** What of a conversation a reply's request depends on; `id: null` for a new chat (no KV-cache key). */
export type ReplyConversation = Pick<Conversation, 'systemPrompt' | 'generation'> & { id: string | null };

/** A new chat, before its first message: the app's default system prompt and sampling settings. */
export const NEW_CHAT: ReplyConversation = { id: null, systemPrompt: null, generation: {} };

/**
 * Builds the engine request for one reply from the branch it answers and the settings in force: the conversation's
 * sampling overrides over the app's `defaultGeneration`, and the conversation's system prompt or the app default.
 */
export function buildReplyRequest(
  conversation: ReplyConversation,
  settings: Pick<AppSettings, 'defaultGeneration' | 'defaultSystemPrompt'>,
  branch: readonly Message[],
): { request: GenerateRequest; turnMessageIds: string[] } {
  const resolved = resolveGenerationSettings(settings.defaultGeneration, conversation.generation);
  const { seed, ...rest } = resolved;
  const engineSettings: EngineSettings = seed === null ? rest : { ...rest, seed };
  const systemPrompt = conversation.systemPrompt ?? settings.defaultSystemPrompt;
  // Empty messages (a reply stopped before its first word) are not turns: the engine never sees them.
  const spoken = branch.filter((message) => message.content.length > 0);
  const turns: ChatTurn[] = spoken.map((message) => ({ role: message.role, content: message.content }));
  const request: GenerateRequest = { turns, settings: engineSettings };
  if (conversation.id !== null) request.cacheKey = conversation.id;
  if (systemPrompt.trim().length > 0) request.systemPrompt = systemPrompt;
  return { request, turnMessageIds: spoken.map((message) => message.id) };
}

/** The engine's context window in messages of the branch rather than turns (which skip empty messages). */
export interface MessagesInView {
  messagesInView: number;
  messagesDropped: number;
}

/**
 * Translates what the engine kept (the last `turnsInView` turns) into messages of `branch`: the messages from the
 * first kept turn to the end are in view, including empty ones between; those before it were dropped.
 */
export function messagesInView(
  info: ContextWindowInfo,
  branch: readonly Pick<Message, 'id'>[],
  turnMessageIds: readonly string[],
): MessagesInView {
  if (info.turnsDropped <= 0) return { messagesInView: branch.length, messagesDropped: 0 };
  // Every turn of the branch dropped (only a draft that follows it is kept): nothing of the branch is in view.
  if (info.turnsDropped >= turnMessageIds.length) return { messagesInView: 0, messagesDropped: branch.length };
  const firstKept = turnMessageIds[info.turnsDropped];
  const index = firstKept === undefined ? -1 : branch.findIndex((message) => message.id === firstKept);
  if (index < 0) return { messagesInView: Math.min(info.turnsInView, branch.length), messagesDropped: Math.max(0, branch.length - info.turnsInView) };
  return { messagesInView: branch.length - index, messagesDropped: index };
}
