import path from 'node:path';
import type { AppClient } from '../../../../src-main/common/app-rpc';
import { ScriptedEngine } from '../../../support/scripted-engine';
import type { ExportedConversation } from '../../../../src-main/node/store/history-schema';
import { RICH_REPLY } from '../../../fixtures/rich-reply';
import { edit, regenerate, send, startHarness, type Harness } from '../host/compose-harness';

/** Fixed days the seeded conversations are written on (UTC), for date-range scopes. */
export const DAYS = { circle: Date.UTC(2026, 0, 10, 9), lisbon: Date.UTC(2026, 1, 10, 9), zebra: Date.UTC(2026, 2, 10, 9) };

/** The app on `dir` with a scripted engine (a rich reply about circles) and a clock the test moves. */
export function bootHistoryApp(dir: string, clock: { now: number }): Harness {
  const engine = new ScriptedEngine({
    initialModelPath: path.join(dir, 'tiny.gguf'),
    reply: (request) => {
      const question = request.turns.at(-1)?.content ?? '';
      return /circle/i.test(question) ? RICH_REPLY : `Answer to ${question}`;
    },
  });
  return startHarness(dir, engine, { store: { now: () => clock.now } });
}

/**
 * Three conversations on three days: "Circle area" (pinned, own prompt and sampling; a regenerated reply and an edited
 * question: three branches, the first one shown), "Lisbon trip" (two exchanges), and "Zebra facts" (archived, asked in
 * the quick prompt).
 */
export async function seedHistory(client: AppClient, clock: { now: number }): Promise<{ circle: string; lisbon: string; zebra: string }> {
  clock.now = DAYS.circle;
  const circle = await client.call('conversations.create', { title: 'Circle area' });
  const first = await send(client, circle.id, 'What is the area of a circle?');
  clock.now += 60_000;
  await send(client, circle.id, 'And its circumference?');
  clock.now += 60_000;
  await regenerate(client, first.result.id);
  clock.now += 60_000;
  const question = first.events[0]?.type === 'onStarted' ? first.events[0].userMessage.id : '';
  await edit(client, question, 'What is the area of a circle of radius 2?');
  const view = await client.call('conversations.get', { id: circle.id });
  const siblings = view.branches.find((branch) => branch.messageId === view.messages[0]?.id);
  await client.call('messages.switchBranch', { messageId: siblings?.previousId ?? '' });
  await client.call('conversations.update', { id: circle.id, pinned: true, systemPrompt: 'You are a maths tutor.', generation: { temperature: 0.2, seed: 7 } });

  clock.now = DAYS.lisbon;
  const lisbon = await client.call('conversations.create', { title: 'Lisbon trip' });
  await send(client, lisbon.id, 'Pack the blue umbrella');
  clock.now += 60_000;
  await send(client, lisbon.id, 'And the map of Lisbon');

  clock.now = DAYS.zebra;
  const zebra = await client.call('conversations.create', { title: 'Zebra facts', source: 'quick' });
  await send(client, zebra.id, 'Tell me about quaggas and stripes');
  await client.call('conversations.update', { id: zebra.id, archived: true });
  return { circle: circle.id, lisbon: lisbon.id, zebra: zebra.id };
}

/** A conversation without its ids: parents and the current leaf by position. Equal shapes are the same history. */
export function shapeOf(conversation: ExportedConversation) {
  const position = new Map(conversation.messages.map((message, index) => [message.id, index]));
  const { id: _id, currentLeafId, messages, ...options } = conversation;
  return {
    ...options,
    currentLeaf: currentLeafId === null ? null : position.get(currentLeafId),
    messages: messages.map(({ id: _messageId, parentId, ...rest }) => ({ ...rest, parent: parentId === null ? null : position.get(parentId) })),
  };
}
