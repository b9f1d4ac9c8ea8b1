import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { send, startHarness, tempDataDir, type Harness } from '../host/compose-harness';
import { enableLocalApi } from './support/local-api-helpers';

// The windows and the local API share the one engine; the user's own window goes first. A scripted engine that
// writes slowly makes the order visible: it records every request in the order it was given one.

let harness: Harness | undefined;
let data: ReturnType<typeof tempDataDir> | undefined;
afterEach(async () => {
  await harness?.close();
  data?.remove();
});

describe('the local API and the windows on one engine', () => {
  it('a reply asked for in a window overtakes API requests waiting, after the one being written', async () => {
    const engine = new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', deltaDelayMs: 15, deltaChars: 2 });
    data = tempDataDir();
    harness = startHarness(data.dir, engine, { openai: { localApiPort: 0 } });
    const status = await enableLocalApi(harness);
    const client = new OpenAI({ baseURL: status.url ?? '', apiKey: status.key ?? '', maxRetries: 0 });
    const complete = (text: string) => client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: text }] });

    const first = complete('api one');
    await expect.poll(() => engine.requests.length).toBe(1); // being written
    const waiting = [complete('api two'), complete('api three')];
    await expect.poll(() => harness?.app.lanes.pending('api')).toBe(3); // one written, two waiting their turn
    const conversation = await harness.client.call('conversations.create', {});
    const window = send(harness.client, conversation.id, 'from my window');

    const replies = await Promise.all([first, ...waiting]);
    const mine = await window;
    expect(engine.requests.map((request) => request.turns.at(-1)?.content)).toEqual([
      'api one',
      'from my window',
      'api two',
      'api three',
    ]);
    expect(replies.map((reply) => reply.choices[0]?.message.content)).toEqual([
      'You said: api one',
      'You said: api two',
      'You said: api three',
    ]);
    expect(mine.result.content).toBe('You said: from my window');
    // The window was told it waits for the reply being written for another program.
    expect(mine.events).toContainEqual({ type: 'onQueued', messageId: mine.result.id, ahead: 1 });
  });
});
