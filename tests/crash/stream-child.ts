/**
 * The process the crash test kills: it streams replies into the store as fast as it can and prints one JSON line to
 * stdout after each commit, the acknowledgement. (stdout to a pipe is synchronous on Linux and macOS, so a line is
 * out before the next write begins.) Everything it writes is recognisable, so the parent can check the database
 * against the acknowledgements after a SIGKILL at any moment:
 * - a reply's text is the stream `w0 w1 w2 …` cut after some whole token;
 * - a user message's text is `question <n>`.
 *
 * Usage: node --import tsx tests/crash/stream-child.ts <database file> <seed>
 */
import { openStore } from '../../src-main/node/store/open-store';
import { ReplyWriter } from '../../src-main/node/store/reply-writer';
import { seededRandom } from '../bench/store/synthetic-text';

const [file, seedText] = process.argv.slice(2);
if (!file || !seedText) throw new Error('usage: stream-child.ts <database file> <seed>');

/** Seeded, so a failing run can be repeated with its seed. */
const random = seededRandom(Number(seedText));
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const ack = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

// Opening marks the reply the previous (killed) run left streaming as interrupted.
const store = openStore(file); // and checks the file for damage, as every start does
ack({ t: 'open', interrupted: store.report.interruptedReplies });

for (let n = 0; ; n++) {
  const conversation = store.conversations.createConversation({ title: `crash run ${seedText}/${n}` });
  ack({ t: 'conv', c: conversation.id });
  let parentId: string | null = null;
  for (let turn = 0; turn < between(1, 3); turn++) {
    const question = store.conversations.appendMessage({
      conversationId: conversation.id,
      parentId,
      role: 'user',
      content: `question ${n}.${turn}`,
      status: 'complete',
    });
    ack({ t: 'msg', c: conversation.id, m: question.id, parent: parentId, role: 'user', content: question.content });
    // Now and then regenerate instead of answering once: a sibling reply, as the UI's "regenerate" does.
    const replies = between(1, 4) === 1 ? 2 : 1;
    for (let r = 0; r < replies; r++) {
      const reply = store.conversations.appendMessage({
        conversationId: conversation.id,
        parentId: question.id,
        role: 'assistant',
        content: '',
        status: 'streaming',
      });
      ack({ t: 'msg', c: conversation.id, m: reply.id, parent: question.id, role: 'assistant', content: '' });
      const writer = new ReplyWriter(store.conversations, reply.id, { maxTokens: between(1, 8), maxDelayMs: 1_000_000 });
      const tokens = between(10, 120);
      for (let i = 0; i < tokens; i++) {
        if (writer.push(`w${i} `)) ack({ t: 'append', m: reply.id, len: writer.committedLength });
      }
      if (writer.flush()) ack({ t: 'append', m: reply.id, len: writer.committedLength });
      store.conversations.finishMessage(reply.id, { status: 'complete' });
      ack({ t: 'finish', m: reply.id, len: writer.committedLength });
      parentId = reply.id;
    }
  }
}
