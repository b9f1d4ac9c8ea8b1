import type {
  ContextWindowInfo,
  EngineError,
  GenerateRequest,
  GenerateResult,
  PrefillResult,
  PromptMeasure,
} from '../port';
import type { EngineProcessExit } from './engine-process';

/** What every pending request has. */
export interface PendingBase {
  /** Undoes the abort wiring. */
  cleanup?: () => void;
  /** Whether the request has been sent to the process (requests wait for it to be up). */
  sent?: boolean;
}

/** A `load` waiting for `loaded` or `failed`. */
export interface PendingLoad extends PendingBase {
  kind: 'load';
  modelPath: string;
  /** A reload after a crash, not a caller's request. */
  internal: boolean;
  onProgress?: (progress: number) => void;
  resolve: () => void;
  reject: (error: EngineError) => void;
}

/** A `generate` receiving `context` and `text`, waiting for `result` or `failed`. */
export interface PendingGenerate extends PendingBase {
  kind: 'generate';
  request: GenerateRequest;
  requestedAt: number;
  firstTextAt: number | null;
  text: string;
  deltas: number;
  context: ContextWindowInfo | null;
  onText?: (delta: string) => void;
  onContext?: (info: ContextWindowInfo) => void;
  resolve: (result: GenerateResult) => void;
  reject: (error: EngineError) => void;
}

/** A `prefill` waiting for `prefilled` (or the process's end: then `skipped`). */
export interface PendingPrefill extends PendingBase {
  kind: 'prefill';
  resolve: (result: PrefillResult) => void;
}

/** A `measure` waiting for `measured` (or the process's end: then `null`). */
export interface PendingMeasure extends PendingBase {
  kind: 'measure';
  resolve: (result: PromptMeasure | null) => void;
}

/** A `dispose` waiting for `disposed` (or the process's exit). */
export interface PendingDispose extends PendingBase {
  kind: 'dispose';
  resolve: () => void;
}

/** The host's record of one request to the engine process, until its final answer (or the process's end). */
export type Pending = PendingLoad | PendingGenerate | PendingPrefill | PendingMeasure | PendingDispose;

/** The request as plain data (no prototype, no extra fields): it must pass the protocol's strict schema. */
export function plainRequest(request: GenerateRequest): GenerateRequest {
  const settings = request.settings;
  return {
    ...(request.systemPrompt === undefined ? {} : { systemPrompt: request.systemPrompt }),
    turns: request.turns.map((turn) => ({ role: turn.role, content: turn.content })),
    ...(settings === undefined
      ? {}
      : {
          settings: Object.fromEntries(
            (['temperature', 'topP', 'topK', 'repeatPenalty', 'seed', 'maxTokens'] as const)
              .filter((key) => settings[key] !== undefined)
              .map((key) => [key, settings[key]]),
          ),
        }),
    ...(request.cacheKey === undefined ? {} : { cacheKey: request.cacheKey }),
  };
}

/**
 * The engine's result with the time to first token as the host saw it: from this `generate` call to the first text
 * here, process hop included — the wait the user sees.
 */
export function withHostTiming(result: GenerateResult, pending: PendingGenerate): GenerateResult {
  if (pending.firstTextAt === null) return result;
  const timeToFirstTokenMs = Math.round(pending.firstTextAt - pending.requestedAt);
  return { ...result, stats: { ...result.stats, timeToFirstTokenMs } };
}

/** The result of a generation answered here after an abort: the text so far; token counts are not known here. */
export function abortedHere(pending: PendingGenerate): GenerateResult {
  const now = performance.now();
  const context = pending.context ?? { turnsInView: pending.request.turns.length, turnsDropped: 0, promptTokens: 0 };
  return {
    text: pending.text,
    stopReason: 'aborted',
    stats: {
      promptTokens: context.promptTokens,
      evaluatedPromptTokens: 0,
      generatedTokens: pending.deltas,
      timeToFirstTokenMs: Math.round((pending.firstTextAt ?? now) - pending.requestedAt),
      tokensPerSecond: 0,
      stopReason: 'aborted',
    },
    context,
  };
}

/** "killed by SIGKILL" or "exit code 134", with llama.cpp's failed assert when it printed one. */
export function describeExit(exit: EngineProcessExit, stderr: string[]): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  const assert = stderr.findLast((line) => /GGML_ASSERT|GGML_ABORT|error|terminate/i.test(line));
  return assert ? `${how}: ${shorten(assert.replace(/^.*?\/(?=[\w.-]+:\d+:)/, ''))}` : how;
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}…` : text;
}
