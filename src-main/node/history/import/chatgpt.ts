import { TEXT_LIMITS } from '../../store/input-limits';
import { MAX_ORIGIN_LENGTH, type ExportedConversation, type ExportedMessage } from '../../store/history-schema';

/**
 * One conversation of ChatGPT's data export (`conversations.json`, an array of them), as a Phi Desk conversation.
 *
 * The shape relied on (OpenAI does not document it; this is what its exports hold, and every field may be missing):
 * `{ id | conversation_id, title (may be null), create_time, update_time (seconds, may be null), current_node,
 * default_model_slug, is_archived, mapping: { [nodeId]: { id, parent (null at the root), children: [ids],
 * message: null | { id, author: { role: system|user|assistant|tool, name }, create_time, recipient ('all' when shown),
 * content: { content_type, parts?: (string | object)[], text?, language? }, metadata: { is_visually_hidden_from_
 * conversation?, model_slug? } } } } }`.
 *
 * - Every branch is kept: the tree is walked from the root by `parent` (the children lists only give sibling order),
 *   iteratively and once, so a conversation of any depth takes time in proportion to its nodes (no walk up the
 *   lineage per node). The branch shown is the one ending at `current_node`.
 * - What ChatGPT does not show is skipped — the root, system messages, hidden messages, custom instructions
 *   (`user_editable_context`), tool calls and tool results other than code output, hidden reasoning — and the
 *   children of a skipped node hang from its nearest kept ancestor.
 * - Text parts are joined; `code` and `execution_output` become fenced blocks; a picture, file or recording is written
 *   as "[image omitted]" (or file, audio) and counted. Consecutive assistant nodes on one line (code, its output, the
 *   answer) become one reply.
 * - Missing times take the previous message's, else the conversation's; a missing title, the first question's start.
 */

export type ChatGptResult =
  | { ok: true; conversation: ExportedConversation; omitted: number }
  | { ok: false; title: string; reason: string };

interface KeptMessage {
  role: 'user' | 'assistant';
  text: string;
  time: number | null;
}

/** Content types whose text ChatGPT never shows in the conversation. */
const HIDDEN_CONTENT = new Set([
  'user_editable_context',
  'model_editable_context',
  'system_error',
  'tether_browsing_display',
  'reasoning_recap',
  'thoughts',
]);

const TRUNCATED_NOTE = '\n\n[… the rest is longer than Phi Desk keeps in one message]';

/** Convert conversation number `index` of an export (for its fallback title). */
export function fromChatGpt(raw: unknown, index: number, now: number): ChatGptResult {
  const place = `conversation ${index + 1}`;
  if (!isRecord(raw)) return { ok: false, title: place, reason: 'it is not a conversation object' };
  const givenTitle = typeof raw.title === 'string' && raw.title.trim() !== '' ? raw.title.trim() : null;
  const mapping = raw.mapping;
  if (!isRecord(mapping)) return { ok: false, title: givenTitle ?? place, reason: 'it has no "mapping" of messages' };

  // Children by parent, in the order the parent lists them (the order ChatGPT shows its "‹ 1/2 ›" versions in).
  const nodes = new Map<string, Record<string, unknown>>();
  for (const [id, node] of Object.entries(mapping)) if (isRecord(node)) nodes.set(id, node);
  const childrenOf = new Map<string, string[]>();
  const roots: string[] = [];
  for (const [id, node] of nodes) {
    const parent = typeof node.parent === 'string' && nodes.has(node.parent) ? node.parent : null;
    if (parent === null) roots.push(id);
    else {
      const list = childrenOf.get(parent);
      if (list) list.push(id);
      else childrenOf.set(parent, [id]);
    }
  }
  for (const [parent, list] of childrenOf) {
    const listed = nodes.get(parent)?.children;
    if (!Array.isArray(listed) || list.length < 2) continue;
    const order = new Map(listed.map((child, at) => [child, at] as const));
    list.sort((a, b) => (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER));
  }

  // Depth-first from the roots (a parent before its children), each node's nearest kept ancestor carried along.
  let omitted = 0;
  const order: Array<{ id: string; kept: KeptMessage; ancestor: string | null }> = [];
  const nearestKept = new Map<string, string | null>();
  const keptChildren = new Map<string, number>();
  const stack: Array<{ id: string; ancestor: string | null }> = roots.reverse().map((id) => ({ id, ancestor: null }));
  const visited = new Set<string>();
  while (stack.length > 0) {
    const { id, ancestor } = stack.pop()!;
    if (visited.has(id)) continue;
    visited.add(id);
    const content = keptContent(nodes.get(id)?.message);
    let below = ancestor;
    if (content) {
      omitted += content.omitted;
      order.push({ id, kept: content.message, ancestor });
      if (ancestor !== null) keptChildren.set(ancestor, (keptChildren.get(ancestor) ?? 0) + 1);
      below = id;
    }
    nearestKept.set(id, below);
    const children = childrenOf.get(id) ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push({ id: children[i]!, ancestor: below });
  }

  // One message per kept node, except an assistant node alone under an assistant one, which continues its reply.
  const conversationTime = seconds(raw.create_time);
  const messages: ExportedMessage[] = [];
  const into = new Map<string, ExportedMessage>();
  for (const { id, kept, ancestor } of order) {
    const parent = ancestor === null ? null : (into.get(ancestor) ?? null);
    const time = kept.time ?? parent?.createdAt ?? conversationTime ?? seconds(raw.update_time) ?? now;
    if (
      parent !== null &&
      kept.role === 'assistant' &&
      parent.role === 'assistant' &&
      keptChildren.get(ancestor!) === 1 &&
      parent.content.length + kept.text.length + 2 <= TEXT_LIMITS.message
    ) {
      parent.content = `${parent.content}\n\n${kept.text}`;
      into.set(id, parent);
      continue;
    }
    const message: ExportedMessage = {
      id: id.slice(0, 200) || `node-${messages.length}`,
      parentId: parent?.id ?? null,
      role: kept.role,
      content: fit(kept.text),
      status: 'complete',
      createdAt: time,
      stats: null,
      error: null,
    };
    messages.push(message);
    into.set(id, message);
  }

  const firstQuestion = messages.find((message) => message.role === 'user')?.content;
  const title = (givenTitle ?? (firstQuestion ? excerpt(firstQuestion) : null) ?? `ChatGPT ${place}`).slice(0, TEXT_LIMITS.title);
  if (messages.length === 0) return { ok: false, title, reason: 'it has no messages that ChatGPT shows' };

  const current = typeof raw.current_node === 'string' ? nearestKept.get(raw.current_node) : undefined;
  const leaf = (current ? into.get(current) : undefined) ?? messages.at(-1)!;
  const createdAt = conversationTime ?? messages[0]!.createdAt;
  const updatedAt = seconds(raw.update_time) ?? messages.reduce((latest, message) => Math.max(latest, message.createdAt), createdAt);
  const sourceId = [raw.conversation_id, raw.id].find((value): value is string => typeof value === 'string' && value !== '');
  const origin = sourceId === undefined ? undefined : `chatgpt:${sourceId}`.slice(0, MAX_ORIGIN_LENGTH);
  return {
    ok: true,
    omitted,
    conversation: {
      id: sourceId?.slice(0, 200) ?? `chatgpt-${index + 1}`,
      title,
      createdAt,
      updatedAt,
      pinned: false,
      archived: raw.is_archived === true,
      systemPrompt: null,
      generation: {},
      model: modelOf(raw, nodes),
      source: 'chat',
      ...(origin === undefined ? {} : { origin }),
      currentLeafId: leaf.id,
      messages,
    },
  };
}

/** What a node shows, or `null` for a node ChatGPT does not show (see the module comment). */
function keptContent(message: unknown): { message: KeptMessage; omitted: number } | null {
  if (!isRecord(message)) return null;
  const author = isRecord(message.author) ? message.author : {};
  const content = isRecord(message.content) ? message.content : {};
  const metadata = isRecord(message.metadata) ? message.metadata : {};
  const type = typeof content.content_type === 'string' ? content.content_type : 'text';
  if (metadata.is_visually_hidden_from_conversation === true || HIDDEN_CONTENT.has(type)) return null;
  const role = author.role;
  const text = typeof content.text === 'string' ? content.text : '';
  let kept: { text: string; omitted: number };
  if (type === 'code') {
    const language = typeof content.language === 'string' && content.language !== 'unknown' ? content.language : '';
    kept = { text: fenced(text, language), omitted: 0 };
  } else if (type === 'execution_output') {
    kept = { text: fenced(text, 'output'), omitted: 0 };
  } else if (role === 'tool' || role === 'system' || (role === 'assistant' && message.recipient !== undefined && message.recipient !== 'all')) {
    return null; // a tool's result, the system prompt, or a call to a tool (browsing, image generation…)
  } else if (Array.isArray(content.parts)) {
    kept = joinParts(content.parts);
  } else if (type === 'tether_quote') {
    kept = { text: text.split('\n').map((line) => `> ${line}`).join('\n'), omitted: 0 };
  } else {
    kept = { text, omitted: 0 };
  }
  if (role !== 'user' && role !== 'assistant' && !(role === 'tool' && type === 'execution_output')) return null;
  if (kept.text.trim() === '') return null;
  return {
    message: { role: role === 'user' ? 'user' : 'assistant', text: kept.text, time: seconds(message.create_time) },
    omitted: kept.omitted,
  };
}

/** Text parts joined; a part that is not text noted in its place and counted. */
function joinParts(parts: unknown[]): { text: string; omitted: number } {
  const pieces: string[] = [];
  let omitted = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      if (part !== '') pieces.push(part);
    } else if (isRecord(part) && typeof part.text === 'string' && part.text.trim() !== '') {
      pieces.push(part.text); // a transcript of a voice message
    } else {
      omitted += 1;
      pieces.push(`[${omittedKind(part)} omitted]`);
    }
  }
  return { text: pieces.join('\n\n'), omitted };
}

function omittedKind(part: unknown): string {
  const type = isRecord(part) && typeof part.content_type === 'string' ? part.content_type : '';
  if (type.includes('image')) return 'image';
  if (type.includes('audio') || type.includes('video')) return 'audio';
  return 'file';
}

function fenced(code: string, language: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${code.replace(/\n$/, '')}\n${fence}`;
}

function modelOf(raw: Record<string, unknown>, nodes: Map<string, Record<string, unknown>>): string | null {
  if (typeof raw.default_model_slug === 'string' && raw.default_model_slug !== '') return raw.default_model_slug.slice(0, TEXT_LIMITS.model);
  for (const node of nodes.values()) {
    const metadata = isRecord(node.message) && isRecord(node.message.metadata) ? node.message.metadata : null;
    if (typeof metadata?.model_slug === 'string' && metadata.model_slug !== '') return metadata.model_slug.slice(0, TEXT_LIMITS.model);
  }
  return null;
}

/** Epoch seconds (ChatGPT's, with a fraction) as epoch ms; `null` when missing or absurd. */
function seconds(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 8.64e12) return null;
  return Math.round(value * 1000);
}

function fit(text: string): string {
  return text.length <= TEXT_LIMITS.message ? text : text.slice(0, TEXT_LIMITS.message - TRUNCATED_NOTE.length) + TRUNCATED_NOTE;
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 60 ? line : `${line.slice(0, 59).trimEnd()}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
