import { manyConversations, seedConversations, type SeedConversation } from '../../e2e/support/seed-conversations';
import { seededRandom, WordList } from '../store/synthetic-text';
import { MarkdownWriter } from './markdown-text';

/** How big the UI benchmark's data is. */
export interface UiSizes {
  /** Tokens of the streamed reply (a token is one scripted delta of 4 characters). */
  replyTokens: number;
  /** Messages of the conversation the reply streams into. */
  streamHistory: number;
  /** Messages of the long conversation. */
  longMessages: number;
  /** Conversations in the sidebar besides the benchmark's own four. */
  conversations: number;
}

/** Characters per token of the streamed reply: the scripted engine's delta (one per token, English-like). */
export const CHARS_PER_TOKEN = 4;
/** The message the search jumps to, and the word only it has. */
export const JUMP_TARGET = 17;
export const RARE_WORD = 'aardvark';
/** Messages of the short conversation (the baseline of opening the long one). */
export const SHORT_MESSAGES = 20;

/** What was seeded, for the benchmark to find it. */
export interface SeededUi {
  long: { id: string; title: string; messages: number };
  short: { id: string; title: string; messages: number };
  stream: { id: string; title: string; messages: number };
  /** A two-message conversation to switch to between measurements. */
  other: { id: string; title: string };
  /** The sidebar's newest and oldest conversations. */
  newestTitle: string;
  oldestTitle: string;
  conversations: number;
  /** The reply the scripted engine will stream. */
  reply: string;
  seconds: number;
}

/**
 * Write the benchmark's data into the database of `dataDir` before the host opens it, with the app's own schema and
 * statements (`seedConversations`, one transaction; the search index follows by its triggers). Deterministic for a
 * seed, apart from the ids: the sidebar's `conversations` ("Conversation 1" … oldest first, one an hour back from an
 * hour ago), and above them, newest first, a long and a short conversation of Markdown messages, the conversation a
 * reply will stream into, and a small one to switch to.
 */
export function seedUiBench(dataDir: string, sizes: UiSizes, seed = 42, now = Date.now()): SeededUi {
  const started = performance.now();
  const random = seededRandom(seed);
  const writer = new MarkdownWriter(new WordList(random), random);
  // The reply first, so it depends only on its own length.
  const reply = writer.reply(sizes.replyTokens * CHARS_PER_TOKEN);
  const chain = (count: number, newest: number, extra: (n: number) => string = () => ''): SeedConversation['messages'] =>
    Array.from({ length: count }, (_, index) => {
      const n = index + 1;
      const role = n % 2 === 1 ? 'user' : 'assistant';
      return { role, content: writer.message(n, role, extra(n)), createdAt: newest - (count - n) * 30_000 };
    });
  const minute = 60_000;
  const titles = {
    long: `Markdown, ${sizes.longMessages.toLocaleString('en-US')} messages`,
    short: `Markdown, ${SHORT_MESSAGES} messages`,
    stream: `Streaming into ${sizes.streamHistory.toLocaleString('en-US')} messages`,
    other: 'Somewhere else',
  };
  const own: SeedConversation[] = [
    { title: titles.long, updatedAt: now - minute, messages: chain(sizes.longMessages, now - minute, (n) => (n === JUMP_TARGET ? RARE_WORD : '')) },
    { title: titles.short, updatedAt: now - 2 * minute, messages: chain(SHORT_MESSAGES, now - 2 * minute) },
    { title: titles.stream, updatedAt: now - 3 * minute, messages: chain(sizes.streamHistory, now - 3 * minute) },
    {
      title: titles.other,
      updatedAt: now - 4 * minute,
      messages: [
        { role: 'user', content: 'A short question.', createdAt: now - 5 * minute },
        { role: 'assistant', content: 'A short answer.', createdAt: now - 4 * minute },
      ],
    },
  ];
  const many = manyConversations(sizes.conversations, now - 60 * minute);
  const [longId, shortId, streamId, otherId] = seedConversations(dataDir, [...own, ...many]);
  return {
    long: { id: longId!, title: titles.long, messages: sizes.longMessages },
    short: { id: shortId!, title: titles.short, messages: SHORT_MESSAGES },
    stream: { id: streamId!, title: titles.stream, messages: sizes.streamHistory },
    other: { id: otherId!, title: titles.other },
    newestTitle: titles.long,
    oldestTitle: many[0]?.title ?? titles.other,
    conversations: own.length + many.length,
    reply,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
