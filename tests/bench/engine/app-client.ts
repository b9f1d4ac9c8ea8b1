import WebSocket from 'ws';
import { RpcError } from '../../../src-main/common/contract';
import { connectApp, type AppClient as RpcClient } from '../../../src-main/common/app-rpc';
import { createWebSocketTransport } from '../../../src-main/node/host/ws-transport';
import type { Message } from '../../../src-main/common/types';
import { DraftPreparer } from '../../../src-renderer/lib/draft-preparer';

/** How a simulated user types: characters per second, and the pause between the last key and Enter. */
export interface Typist {
  charsPerSecond: number;
  enterDelayMs: number;
}

/**
 * A client of the app speaking the contract over the browser host's WebSocket, exactly as the renderer in a browser
 * does (token in the URL, the host's own Origin), with timing around `chat.send`.
 */
export class AppClient {
  private constructor(
    private readonly socket: WebSocket,
    readonly rpc: RpcClient,
  ) {}

  /** Tells the app what the user is typing, exactly as the chat window does (the renderer's own `DraftPreparer`). */
  private readonly drafts = new DraftPreparer(
    (conversationId, text, stillTyping) =>
      void this.rpc.call('chat.prepare', { conversationId, text, stillTyping }).catch(() => undefined),
    () => true,
  );

  static async connect(port: number, token: string): Promise<AppClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${encodeURIComponent(token)}`, {
      headers: { Origin: `http://127.0.0.1:${port}` },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`the host refused the WebSocket: HTTP ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
    return new AppClient(socket, connectApp(createWebSocketTransport(socket)));
  }

  /**
   * Make replies greedy and at most `maxTokens` long, through the app's own settings. Returns false when this app
   * version has no `settings.update` (the caller then stops replies itself).
   */
  async setGreedy(maxTokens: number): Promise<boolean> {
    try {
      await this.rpc.call('settings.update', {
        patch: {
          defaultSystemPrompt: '',
          defaultGeneration: { temperature: 0, topK: 40, topP: 1, repeatPenalty: 1, seed: null, maxTokens },
        },
      });
      return true;
    } catch (error) {
      if (error instanceof RpcError && (error.code === 'UNKNOWN_METHOD' || error.code === 'BAD_REQUEST')) return false;
      throw error;
    }
  }

  /**
   * `chat.send`, timed at the client. `stopAfterDeltas` presses Stop (cancels the call) after that many streamed
   * pieces: only for app versions where `setGreedy` is unavailable.
   */
  async send(
    conversationId: string,
    text: string,
    stopAfterDeltas?: number,
    onFirstDelta?: (at: number) => void,
  ): Promise<TimedReply> {
    const controller = new AbortController();
    let deltas = 0;
    const deltaTimes: number[] = [];
    let firstDeltaAt: number | null = null;
    let lastDeltaAt: number | null = null;
    const started = performance.now();
    const message = await this.rpc.call(
      'chat.send',
      { conversationId, text },
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type !== 'onDelta') return;
          lastDeltaAt = performance.now();
          if (firstDeltaAt === null) onFirstDelta?.(lastDeltaAt);
          firstDeltaAt ??= lastDeltaAt;
          deltaTimes.push(round(lastDeltaAt - firstDeltaAt));
          deltas++;
          if (stopAfterDeltas !== undefined && deltas >= stopAfterDeltas) controller.abort();
        },
      },
    );
    const ended = performance.now();
    const first = firstDeltaAt ?? ended;
    return {
      message,
      deltas,
      ttftMs: round(first - started),
      totalMs: round(ended - started),
      /** From the first streamed text to the reply's end. */
      streamMs: round(ended - first),
      lastDeltaMs: round((lastDeltaAt ?? ended) - started),
      deltaTimes,
    };
  }

  /** Opens a conversation as the chat window does: its messages are fetched and the app is told it was opened. */
  async open(conversationId: string): Promise<number> {
    const started = performance.now();
    this.drafts.opened(conversationId, '');
    await this.rpc.call('conversations.get', { id: conversationId });
    return round(performance.now() - started);
  }

  /**
   * Types `text` into the composer key by key at the typist's speed, telling the app as the chat window does, then
   * presses Enter: `chat.send`, timed from Enter like `send`.
   */
  async typeAndSend(conversationId: string, text: string, typist: Typist, stopAfterDeltas?: number): Promise<TimedReply & { typingMs: number }> {
    const started = performance.now();
    const keyMs = 1000 / typist.charsPerSecond;
    let typed = '';
    for (const char of text) {
      await sleep(keyMs);
      typed += char;
      this.drafts.typed(conversationId, typed);
    }
    await sleep(typist.enterDelayMs);
    const typingMs = round(performance.now() - started);
    this.drafts.sent(conversationId);
    return { ...(await this.send(conversationId, text, stopAfterDeltas)), typingMs };
  }

  close(): void {
    this.drafts.dispose();
    this.rpc.close();
    this.socket.close();
  }
}

export interface TimedReply {
  message: Message;
  deltas: number;
  /** From sending to the first streamed text (what the user waits for). */
  ttftMs: number;
  totalMs: number;
  streamMs: number;
  lastDeltaMs: number;
  /** Each streamed piece's time since the first (ms): about one per token. */
  deltaTimes: number[];
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
