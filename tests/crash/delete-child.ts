/**
 * The process the deletion crash test kills. It starts the app on a data folder, as the browser host does, and over the
 * contract: makes three conversations with a message each, deletes "Undone" and undoes it, deletes "Deleted", then
 * prints one JSON line with the ids (the acknowledgement: every call has returned, so each was committed) and waits
 * to be killed, within the undo window of "Deleted".
 *
 * Usage: node --import tsx tests/crash/delete-child.ts <data folder>
 */
import { ScriptedEngine } from '../support/scripted-engine';
import { send, startHarness } from '../unit/node/host/compose-harness';

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: delete-child.ts <data folder>');

const harness = startHarness(dataDir, new ScriptedEngine({ initialModelPath: '/models/scripted.gguf', reply: 'Noted.' }));
const { client } = harness;
const ids: Record<string, string> = {};
for (const title of ['Kept', 'Undone', 'Deleted']) {
  const conversation = await client.call('conversations.create', { title });
  await send(client, conversation.id, `About ${title.toLowerCase()} things`);
  ids[title] = conversation.id;
}
await client.call('conversations.delete', { id: ids.Undone! });
await client.call('conversations.restore', { id: ids.Undone! });
await client.call('conversations.delete', { id: ids.Deleted! });
process.stdout.write(`${JSON.stringify(ids)}\n`);
setInterval(() => {}, 60_000); // stay alive (in the undo window) until killed
