import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../../../../src-main/common/types';
import { buildReplyRequest, messagesInView, NEW_CHAT } from '../../../../src-main/node/services/reply-request';
import { DEFAULT_GENERATION_SETTINGS } from '../../../../src-main/node/store/settings-schemas';

const conversation = (overrides: Partial<Conversation> = {}): Conversation => ({
  id: 'c1',
  title: 't',
  createdAt: 0,
  updatedAt: 0,
  pinned: false,
  archived: false,
  systemPrompt: null,
  generation: {},
  model: null,
  source: 'chat',
  engine: null,
  ...overrides,
});

const message = (id: string, role: Message['role'], content: string): Message => ({
  id,
  conversationId: 'c1',
  parentId: null,
  role,
  content,
  status: 'complete',
  createdAt: 0,
  stats: null,
  error: null,
});

const app = { defaultGeneration: DEFAULT_GENERATION_SETTINGS, defaultSystemPrompt: 'Default prompt' };

describe('buildReplyRequest', () => {
  it('uses the conversation overrides over the app defaults, its system prompt or the default, and skips empty messages', () => {
    const branch = [message('u1', 'user', 'hi'), message('a1', 'assistant', ''), message('u2', 'user', 'again')];
    const { request, turnMessageIds } = buildReplyRequest(
      conversation({ systemPrompt: 'Mine', generation: { temperature: 0, seed: 3 } }),
      app,
      branch,
    );
    expect(request).toEqual({
      systemPrompt: 'Mine',
      turns: [
        { role: 'user', content: 'hi' },
        { role: 'user', content: 'again' },
      ],
      settings: { ...DEFAULT_GENERATION_SETTINGS, temperature: 0, seed: 3 },
      cacheKey: 'c1',
    });
    expect(turnMessageIds).toEqual(['u1', 'u2']);
    const fallback = buildReplyRequest(conversation(), app, branch).request;
    expect(fallback.systemPrompt).toBe('Default prompt');
    expect(fallback.settings).not.toHaveProperty('seed'); // null = random: the engine gets no seed
    expect(buildReplyRequest(conversation({ systemPrompt: '  ' }), app, branch).request).not.toHaveProperty('systemPrompt');
  });

  it('builds a new chat’s request (no conversation yet) from the app defaults, without a cache key', () => {
    expect(buildReplyRequest(NEW_CHAT, app, []).request).toEqual({
      systemPrompt: 'Default prompt',
      turns: [],
      settings: Object.fromEntries(Object.entries(DEFAULT_GENERATION_SETTINGS).filter(([key]) => key !== 'seed')),
    });
  });
});

describe('messagesInView', () => {
  const branch = [
    message('u1', 'user', 'one'),
    message('a1', 'assistant', 'reply'),
    message('u2', 'user', 'two'),
    message('a2', 'assistant', ''), // stopped before its first word: not a turn
    message('u3', 'user', 'three'),
  ];
  const turnIds = ['u1', 'a1', 'u2', 'u3'];

  it('counts messages, not turns: an empty message between kept turns is in view', () => {
    expect(messagesInView({ turnsInView: 2, turnsDropped: 2, promptTokens: 9 }, branch, turnIds)).toEqual({
      messagesInView: 3,
      messagesDropped: 2,
    });
  });

  it('everything in view when nothing was dropped', () => {
    expect(messagesInView({ turnsInView: 4, turnsDropped: 0, promptTokens: 9 }, branch, turnIds)).toEqual({
      messagesInView: 5,
      messagesDropped: 0,
    });
  });

  it('nothing of the branch is in view when every turn is dropped (only a draft after it fits)', () => {
    expect(messagesInView({ turnsInView: 1, turnsDropped: 4, promptTokens: 9 }, branch, turnIds)).toEqual({
      messagesInView: 0,
      messagesDropped: 5,
    });
  });
});
