import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedEngine } from '../../../support/scripted-engine';
import { startHarness, tempDataDir, type Harness } from './compose-harness';

// The engine-thread setting over the real contract on the composed app (a real store on a SQLite file): the engine
// gets the stored setting at start and each change of it, and nothing when other settings change.

let data: ReturnType<typeof tempDataDir> | undefined;
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  data?.remove();
});

function start(): ScriptedEngine {
  data ??= tempDataDir();
  const engine = new ScriptedEngine({ initialModelPath: path.join(data.dir, 'phi-2.Q4_K_M.gguf'), reply: 'ok' });
  harness = startHarness(data.dir, engine);
  return engine;
}

describe('the engine-thread setting', () => {
  it('is auto by default, reaches the engine when changed (once), and is the engine’s at the next start', async () => {
    let engine = start();
    expect(engine.threadSettings).toEqual(['auto']);
    expect(await harness!.client.call('settings.get', {})).toMatchObject({ engineThreads: 'auto' });

    const updated = await harness!.client.call('settings.update', { patch: { engineThreads: 1 } });
    expect(updated.engineThreads).toBe(1);
    await harness!.client.call('settings.update', { patch: { theme: 'dark' } });
    expect(engine.threadSettings).toEqual(['auto', 1]);

    await harness!.close();
    engine = start();
    expect(engine.threadSettings).toEqual([1]);
  });

  it('refuses a count that is not a whole number of at least one, and keeps the one in force', async () => {
    const engine = start();
    for (const engineThreads of [0, 1.5, -2, 'all', 1000]) {
      await expect(
        harness!.client.call('settings.update', { patch: { engineThreads } } as never),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(engine.threadSettings).toEqual(['auto']);
    expect(await harness!.client.call('settings.get', {})).toMatchObject({ engineThreads: 'auto' });
  });
});
