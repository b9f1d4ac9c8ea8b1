import { expect } from 'vitest';
import type { EngineStatus } from '../../../../../src-main/common/types';
import { EngineError, type ChatEngine, type GenerateRequest } from '../../../../../src-main/node/engine/port';

/** A one-turn request with a fixed seed (so replies are reproducible), plus any settings given. */
export function ask(content: string, settings: GenerateRequest['settings'] = {}): GenerateRequest {
  return { turns: [{ role: 'user', content }], settings: { seed: 1, ...settings } };
}

/** The `EngineError` the promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/** The engine's first status (the current one included) that satisfies `predicate`. */
export function waitForStatus(
  engine: Pick<ChatEngine, 'status' | 'onStatus'>,
  predicate: (status: EngineStatus) => boolean,
): Promise<EngineStatus> {
  return new Promise((resolve) => {
    if (predicate(engine.status())) return resolve(engine.status());
    const stop = engine.onStatus((status) => {
      if (!predicate(status)) return;
      stop();
      resolve(status);
    });
  });
}
