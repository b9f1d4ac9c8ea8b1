import * as v from 'valibot';
import type { RemoteModelInfo, RemoteProbeResult } from '../../../common/types';
import { ModelListSchema, reportedContextLength } from '../../openai/wire';
import { readBounded, remoteFetch, RemoteFailure, type RemoteTarget } from './remote-http';

/** The most a model list may be (Ollama or OpenRouter list hundreds of models: still well under this). */
const MAX_MODEL_LIST_BYTES = 4 * 1024 * 1024;

/**
 * "Test connection": `GET <baseUrl>/models`. Resolves with the models the server lists (sorted by id, each with the
 * context window it reports, if any), or with why it could not: never throws for the server's failures.
 */
export async function probeRemote(target: RemoteTarget, timeoutMs: number): Promise<RemoteProbeResult> {
  try {
    return { ok: true, models: await listRemoteModels(target, timeoutMs) };
  } catch (error) {
    if (error instanceof RemoteFailure) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}

/** The server's models. @throws RemoteFailure */
export async function listRemoteModels(target: RemoteTarget, timeoutMs: number): Promise<RemoteModelInfo[]> {
  const started = performance.now();
  const response = await remoteFetch(target, '/models', { method: 'GET', timeoutMs });
  const remaining = Math.max(1, timeoutMs - (performance.now() - started));
  const text = await readBounded(response, MAX_MODEL_LIST_BYTES, remaining);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RemoteFailure('BAD_RESPONSE', `${target.name} answered, but not as an OpenAI-compatible API (its /models is not JSON). Check the address: it must end in /v1.`);
  }
  const list = v.safeParse(ModelListSchema, body);
  if (!list.success) {
    throw new RemoteFailure('BAD_RESPONSE', `${target.name} answered, but its /models is not a model list. Check the address: it must end in /v1.`);
  }
  const models = list.output.data.map((model) => ({ id: model.id, contextLength: reportedContextLength(model) }));
  models.sort((a, b) => a.id.localeCompare(b.id));
  if (models.length === 0) {
    throw new RemoteFailure('NOT_FOUND', `${target.name} lists no models: load or pull one on the server first.`);
  }
  return models;
}
