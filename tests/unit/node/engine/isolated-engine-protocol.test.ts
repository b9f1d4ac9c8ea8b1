import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../src-main/common/types';
import * as v from 'valibot';
import { EngineError } from '../../../../src-main/node/engine/port';
import { ENGINE_CONTRACT } from '../../../../src-main/node/engine/process/engine-contract';
import type { EngineProcess, EngineProcessExit } from '../../../../src-main/node/engine/process/engine-process';
import { IsolatedEngine } from '../../../../src-main/node/engine/process/isolated-engine';
import type { Transport } from '../../../../src-main/common/rpc';
import { serveEngine } from '../../../../src-main/node/engine/process/engine-server';
import { ScriptedEngine, type ScriptedEngineOptions } from '../../../support/scripted-engine';
import { waitForStatus } from './support/engine-test-helpers';

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// The host and worker halves of the engine-process protocol, joined in memory (messages still go through a
// structured clone and an event-loop turn, as between processes), with the scripted engine in the "process". The
// real process, real crashes and the real model are covered in isolated-engine.test.ts.

interface FakeProcess extends EngineProcess {
  /** Ends the "process" as a crash would. */
  crash(exit?: EngineProcessExit): void;
  /** Sends any value to the host, as a buggy worker might. */
  sendRaw(value: unknown): void;
}

function fakeLauncher(
  engineOptions: ScriptedEngineOptions = {},
  onStart?: (process: FakeProcess) => void,
  /** Host messages the "process" never sees (as if it were stuck in native code when they came). */
  lost: (value: unknown) => boolean = () => false,
) {
  let pid = 1000;
  const processes: FakeProcess[] = [];
  const engines: ScriptedEngine[] = [];
  const launch = (): FakeProcess => {
    const toHost = new Set<(value: unknown) => void>();
    const toWorker = new Set<(value: unknown) => void>();
    const exitListeners = new Set<(exit: EngineProcessExit) => void>();
    let alive = true;
    const deliver = (listeners: Set<(value: unknown) => void>, value: unknown): void => {
      const copy = structuredClone(value);
      setImmediate(() => {
        if (alive) for (const listener of listeners) listener(copy);
      });
    };
    const end = (exit: EngineProcessExit): void => {
      if (!alive) return;
      alive = false;
      setImmediate(() => exitListeners.forEach((listener) => listener(exit)));
    };
    const port: Transport = {
      send: (message) => deliver(toHost, message),
      onMessage: (listener) => (toWorker.add(listener), () => void toWorker.delete(listener)),
    };
    serveEngine(
      port,
      (options) => {
        const engine = new ScriptedEngine(engineOptions);
        // As the real process's factory does (create-engine.ts): the setting it is started with.
        if (options.threads !== undefined) engine.setThreads(options.threads);
        engines.push(engine);
        return engine;
      },
      () => end({ code: 0, signal: null }),
    );
    const process: FakeProcess = {
      pid: pid++,
      send: (message) => {
        if (!lost(message)) deliver(toWorker, message);
      },
      onMessage: (listener) => toHost.add(listener),
      onExit: (listener) => exitListeners.add(listener),
      stderrTail: () => ['llama-model-loader.cpp:1321: GGML_ASSERT(t_meta.ne[dim] >= 1) failed'],
      kill: () => end({ code: null, signal: 'SIGKILL' }),
      crash: (exit = { code: 134, signal: null }) => end(exit),
      sendRaw: (value) => deliver(toHost, value),
    };
    processes.push(process);
    onStart?.(process);
    return process;
  };
  return { launch, processes, engines };
}

describe('engine process protocol', () => {
  it('accepts well-formed requests and answers and says what is wrong with others', () => {
    const { params, results, events, push } = ENGINE_CONTRACT;
    expect(v.parse(params.load, { modelPath: '/m.gguf' })).toEqual({ modelPath: '/m.gguf' });
    expect(v.is(params.load, { modelPath: 5 })).toBe(false);
    expect(v.is(params.generate, { request: { turns: [{ role: 'system', content: 'x' }] } })).toBe(false);
    expect(v.is(params.generate, { request: { turns: [] }, extra: 1 })).toBe(false);
    expect(Object.hasOwn(params, 'exec')).toBe(false);
    expect(v.is(events!.generate!, { type: 'text', delta: 5 })).toBe(false);
    expect(v.is(events!.generate!, { type: 'text', delta: 'hi' })).toBe(true);
    expect(v.is(push!, { type: 'status', status: { state: 'bogus' } })).toBe(false);
    expect(v.is(results!.measure!, null)).toBe(true);
  });

  it('streams, reports context and resolves through the protocol, with typed errors passing through', async () => {
    const { launch } = fakeLauncher({ reply: 'Hello there, friend.', deltaChars: 5 });
    const engine = new IsolatedEngine({ launch });
    try {
      await engine.load('/models/a.gguf');
      expect(engine.status()).toMatchObject({ state: 'ready', modelName: 'a.gguf' });
      const deltas: string[] = [];
      const result = await engine.generate(
        { turns: [{ role: 'user', content: 'Hi' }], settings: { maxTokens: 100 } },
        { onText: (delta) => deltas.push(delta) },
      );
      expect(result.text).toBe('Hello there, friend.');
      expect(deltas).toEqual(['Hello', ' ther', 'e, fr', 'iend.']);
      expect(result.context).toMatchObject({ turnsInView: 1, turnsDropped: 0 });
      const overflow = await engine.generate({ turns: [{ role: 'user', content: 'x'.repeat(10_000) }] }).catch((e: unknown) => e);
      expect(overflow).toBeInstanceOf(EngineError);
      expect((overflow as EngineError).code).toBe('CONTEXT_OVERFLOW');
    } finally {
      await engine.dispose();
    }
  });

  it('measures through the protocol (measure → measured); null when the process ends before answering', async () => {
    const { launch, processes, engines } = fakeLauncher({ contextSize: 64 }, undefined, (value) => {
      const message = value as { method?: string; params?: { request?: { turns: { content: string }[] } } };
      return message.method === 'measure' && message.params?.request?.turns[0]?.content === 'lost';
    });
    const engine = new IsolatedEngine({ launch });
    try {
      await engine.load('/models/a.gguf');
      const request = { turns: [{ role: 'user' as const, content: 'Hi there' }], settings: { maxTokens: 10 } };
      const measured = await engine.measure(request);
      // 'Instruct: Hi there\nOutput:' is 26 characters: 7 estimated tokens.
      expect(measured).toEqual({
        contextSize: 64,
        replyReserve: 10,
        fits: true,
        promptTokens: 7,
        exact: true,
        turnsInView: 1,
        turnsDropped: 0,
        replyTokens: 10,
      });
      expect(engines[0]?.measures).toEqual([request]);
      expect(v.is(ENGINE_CONTRACT.results!.measure!, { ...measured, fits: 'yes' })).toBe(false);

      const pending = engine.measure({ turns: [{ role: 'user', content: 'lost' }] });
      await new Promise((resolve) => setImmediate(resolve));
      processes[0]?.crash();
      expect(await pending).toBeNull();
    } finally {
      await engine.dispose();
    }
  });

  it('passes the thread setting to the process, and starts a process that replaces a crashed one with it', async () => {
    const { launch, processes, engines } = fakeLauncher({ reply: 'ok' });
    const engine = new IsolatedEngine({ launch });
    try {
      engine.setThreads(2); // before any process: the first starts with it
      await engine.load('/models/a.gguf');
      expect(engines[0]?.threadSettings).toEqual([2]);
      engine.setThreads(1);
      await waitFor(() => engines[0]!.threadSettings.length === 2);
      expect(engines[0]?.threadSettings).toEqual([2, 1]);
      processes[0]?.crash();
      await waitForStatus(engine, (status) => status.state === 'ready' && processes.length === 2);
      expect(engines[1]?.threadSettings).toEqual([1]);
      expect((await engine.generate({ turns: [{ role: 'user', content: 'Hi' }] })).text).toBe('ok');
    } finally {
      await engine.dispose();
    }
  });

  it('ignores (and logs) a malformed message from the engine process', async () => {
    const logs: string[] = [];
    const { launch, processes } = fakeLauncher({ reply: 'ok' });
    const engine = new IsolatedEngine({ launch, onLog: (_level, message) => logs.push(message) });
    try {
      await engine.load('/models/a.gguf');
      processes[0]?.sendRaw({ t: 'push', event: { type: 'status', status: { state: 'bogus' } } });
      processes[0]?.sendRaw('garbage');
      const result = await engine.generate({ turns: [{ role: 'user', content: 'Hi' }] });
      expect(result.text).toBe('ok');
      expect(logs.filter((line) => line.startsWith('Ignored a malformed message from the engine process'))).toHaveLength(2);
    } finally {
      await engine.dispose();
    }
  });

  it('answers an abort from the host with the text so far if the engine does not answer in time', async () => {
    // The abort never reaches the engine, which goes on writing: as one stuck in native work would.
    const { launch } = fakeLauncher(
      { reply: 'a b c d e f g h i j k l m n o p q r s t u v w x y z', deltaChars: 2, deltaDelayMs: 20 },
      undefined,
      (message) => (message as { t?: string }).t === 'cancel',
    );
    const engine = new IsolatedEngine({ launch, abortGraceMs: 50 });
    try {
      await engine.load('/models/a.gguf');
      const controller = new AbortController();
      const deltas: string[] = [];
      const result = await engine.generate(
        { turns: [{ role: 'user', content: 'Go' }] },
        {
          signal: controller.signal,
          onText: (delta) => {
            deltas.push(delta);
            if (deltas.length === 2) controller.abort();
          },
        },
      );
      expect(result.stopReason).toBe('aborted');
      expect(result.text).toBe(deltas.join(''));
      expect(deltas.length).toBeGreaterThanOrEqual(2);
      expect(deltas.length).toBeLessThan(8); // answered ~50 ms after the abort, not at the end of the reply
      const seen = deltas.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(deltas).toHaveLength(seen); // later text from the engine goes to no one
    } finally {
      await engine.dispose();
    }
  });

  it('answers a request aborted before the process is up at once, and never sends it', async () => {
    const { launch, engines } = fakeLauncher({ initialModelPath: '/models/a.gguf' });
    const engine = new IsolatedEngine({ launch, abortGraceMs: 10_000 });
    try {
      const controller = new AbortController();
      const running = engine.generate({ turns: [{ role: 'user', content: 'Hi' }] }, { signal: controller.signal });
      controller.abort();
      await expect(running).resolves.toMatchObject({ text: '', stopReason: 'aborted' });
      const after = await engine.generate({ turns: [{ role: 'user', content: 'Again' }] });
      expect(after.text).toBe('You said: Again');
      expect(engines[0]?.requests.map((request) => request.turns[0]?.content)).toEqual(['Again']);
    } finally {
      await engine.dispose();
    }
  });

  it('dispose lets the process end on its own after answering, with a reply running (the reply: chat-engine-contract)', async () => {
    const { launch, processes } = fakeLauncher({ reply: 'x'.repeat(400), deltaChars: 4, deltaDelayMs: 5 });
    const exits: EngineProcessExit[] = [];
    const engine = new IsolatedEngine({ launch });
    await engine.load('/models/a.gguf');
    processes[0]?.onExit((exit) => exits.push(exit));
    const running = engine.generate({ turns: [{ role: 'user', content: 'Go' }] });
    await engine.dispose();
    await expect(running).resolves.toMatchObject({ stopReason: 'aborted' });
    expect(exits).toEqual([{ code: 0, signal: null }]); // exited, not killed
  });

  it('cancels a load through its signal', async () => {
    const { launch } = fakeLauncher({ loadDelayMs: 200 });
    const engine = new IsolatedEngine({ launch });
    try {
      const controller = new AbortController();
      const loading = engine.load('/models/a.gguf', { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(loading).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED', message: 'Loading the model was cancelled.' });
    } finally {
      await engine.dispose();
    }
  });

  it('gives up restarting after repeated crashes and says so, until the next load', async () => {
    const { launch, processes } = fakeLauncher({}, (process) => {
      // Every process after the first dies as soon as it starts.
      if (process.pid !== 1000) setTimeout(() => process.crash(), 5);
    });
    const engine = new IsolatedEngine({ launch, maxRestarts: 2, restartWindowMs: 60_000 });
    try {
      await engine.load('/models/a.gguf');
      processes[0]?.crash();
      const status = await waitForStatus(engine, (value) => value.state === 'error' && /times/.test(value.error ?? ''));
      expect(status.error).toContain('stopped 3 times');
      expect(status.error).toContain('GGML_ASSERT');
      expect(status.error).toContain('Load a model to try again');
      expect(processes).toHaveLength(3); // the first, then two restarts
    } finally {
      await engine.dispose();
    }
  });

  it('rejects a load that crashes the process, reloads the previous model, and reports both in the status', async () => {
    const { launch, processes } = fakeLauncher({ loadDelayMs: 20 });
    const engine = new IsolatedEngine({ launch });
    try {
      await engine.load('/models/good.gguf');
      const statuses: EngineStatus[] = [];
      engine.onStatus((status) => statuses.push(status));
      const loading = engine.load('/models/bad.gguf');
      setTimeout(() => processes[0]?.crash(), 5);
      const error = await loading.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('MODEL_LOAD_FAILED');
      expect((error as EngineError).message).toContain('bad.gguf crashed the engine process (exit code 134: ');
      const ready = await waitForStatus(engine, (status) => status.state === 'ready');
      expect(ready.modelName).toBe('good.gguf');
      expect(statuses.some((status) => status.error?.includes('Loading bad.gguf crashed the engine'))).toBe(true);
    } finally {
      await engine.dispose();
    }
  });
});
