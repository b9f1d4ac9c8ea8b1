import type { ConversationStore } from '../store/conversation-store';
import { titleFrom } from '../services/chat-service';
import type { ServedExchange } from './chat-completions';

/** The mark before the title of a conversation kept from the local API, so it stands apart in the list and in search. */
export const API_TITLE_PREFIX = 'API · ';

/**
 * Keeps a local API exchange in the history (when the user turned on "save API conversations"): a new conversation
 * per request — requests are stateless, each carries its whole conversation — with the request's system prompt, its
 * messages in order and the reply with its figures and model, so it can be read, searched, exported and continued in
 * a window like any other.
 */
export function saveApiExchange(store: ConversationStore, exchange: ServedExchange): string {
  const { request, text, stats } = exchange;
  const lastUser = request.turns.findLast((turn) => turn.role === 'user');
  const conversation = store.createConversation({
    title: `${API_TITLE_PREFIX}${titleFrom(lastUser?.content ?? '')}`,
    systemPrompt: request.systemPrompt ?? null,
    model: exchange.model,
  });
  let parentId: string | null = null;
  for (const turn of request.turns) {
    const message = store.appendMessage({
      conversationId: conversation.id,
      parentId,
      role: turn.role,
      content: turn.content,
      status: 'complete',
    });
    parentId = message.id;
  }
  const reply = store.appendMessage({ conversationId: conversation.id, parentId, role: 'assistant', content: text, status: 'streaming' });
  store.finishMessage(reply.id, { status: 'complete', stats });
  return conversation.id;
}
