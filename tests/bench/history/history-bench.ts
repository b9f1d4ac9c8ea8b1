import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { DATABASE_FILE } from '../../../src-main/node/host/compose';
import type { ExportedConversation, ExportedMessage } from '../../../src-main/node/store/history-schema';
import { openStore } from '../../../src-main/node/store/open-store';
import { chatGptConversation } from '../../fixtures/chatgpt-export';
import { startWorker } from '../engine/worker-process';
import { seededRandom, WordList } from '../store/synthetic-text';
import type { HistoryJob, HistoryJobResult } from './history-worker';

/**
 * The history benchmark (issue 11): exports of a synthetic history in each format, and imports of a ChatGPT-shaped
 * file and of Phi Desk's own JSON, each at two sizes, each in a fresh process for its peak RSS. Memory must stay flat
 * as the history grows (the export and the import are streamed): the figure that matters is the growth of the peak
 * from the small size to the large one.
 */

export interface HistoryRun extends HistoryJobResult {
  scenario: string;
  size: number;
  messagesPerSecond: number;
}

export interface HistoryBenchResult {
  sizes: [number, number];
  runs: HistoryRun[];
}

/** Messages per conversation (each conversation is one branch, with a regenerated reply every tenth exchange). */
const PER_CONVERSATION = 100;

export async function runHistoryBench(options: { sizes: [number, number]; log: (line: string) => void }): Promise<HistoryBenchResult> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'phi-history-bench-'));
  const runs: HistoryRun[] = [];
  try {
    for (const size of options.sizes) {
      const dataDir = path.join(root, `history-${size}`);
      options.log(`history: writing ${size.toLocaleString('en-US')} messages…`);
      seedHistory(dataDir, size);
      const chatgpt = path.join(root, `chatgpt-${size}.json`);
      await writeChatGptFile(chatgpt, size);
      const run = async (scenario: string, job: HistoryJob): Promise<HistoryJobResult> => {
        const worker = startWorker<HistoryJobResult>('../history/history-worker.ts', job);
        const result = await worker.reply;
        await worker.exited();
        const messagesPerSecond = Math.round(result.messages / (result.ms / 1000));
        runs.push({ ...result, scenario, size, messagesPerSecond });
        options.log(
          `history: ${scenario} ${size.toLocaleString('en-US')}: ${messagesPerSecond.toLocaleString('en-US')} msg/s, ` +
            `peak RSS ${Math.round(result.peakRss / 2 ** 20)} MiB (start ${Math.round(result.startRss / 2 ** 20)} MiB)`,
        );
        return result;
      };
      const ours = path.join(root, `phi-desk-${size}.json`);
      await run('export json', { kind: 'export', dataDir, format: 'json', out: ours });
      await run('export markdown', { kind: 'export', dataDir, format: 'markdown', out: path.join(root, `md-${size}.md`) });
      await run('export html', { kind: 'export', dataDir, format: 'html', out: path.join(root, `html-${size}.html`) });
      await run('import chatgpt', { kind: 'import', dataDir: emptyDataDir(root, `chatgpt-into-${size}`), files: [chatgpt] });
      await run('import json', { kind: 'import', dataDir: emptyDataDir(root, `json-into-${size}`), files: [ours] });
    }
    return { sizes: options.sizes, runs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function emptyDataDir(root: string, name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  openStore(path.join(dir, DATABASE_FILE), { check: 'never' }).close();
  return dir;
}

/** A history of `messages` messages in conversations of {@link PER_CONVERSATION}, written through the import path. */
function seedHistory(dataDir: string, messages: number): void {
  mkdirSync(dataDir, { recursive: true });
  const store = openStore(path.join(dataDir, DATABASE_FILE), { check: 'never' });
  const words = new WordList(seededRandom(11));
  try {
    const start = Date.UTC(2025, 0, 1);
    for (let c = 0; c * PER_CONVERSATION < messages; c++) {
      const list: ExportedMessage[] = [];
      const count = Math.min(PER_CONVERSATION, messages - c * PER_CONVERSATION);
      for (let m = 0; m < count; m++) {
        const user = m % 2 === 0;
        list.push({
          id: `m${m}`,
          parentId: m === 0 ? null : `m${m - 1}`,
          role: user ? 'user' : 'assistant',
          content: user ? words.text(8, 30) : `${words.text(40, 120)}\n\n\`\`\`python\nprint(${m})\n\`\`\`\n\n${words.text(20, 60)}`,
          status: 'complete',
          createdAt: start + c * 3_600_000 + m * 1000,
          stats: user ? null : { promptTokens: 100, evaluatedPromptTokens: 20, generatedTokens: 120, timeToFirstTokenMs: 150, tokensPerSecond: 12.5, stopReason: 'eos' },
          error: null,
        });
      }
      const conversation: ExportedConversation = {
        id: `c${c}`,
        title: words.text(2, 6),
        createdAt: start + c * 3_600_000,
        updatedAt: start + c * 3_600_000 + count * 1000,
        pinned: false,
        archived: false,
        systemPrompt: null,
        generation: {},
        model: 'phi-2.Q4_K_M.gguf',
        currentLeafId: list.at(-1)?.id ?? null,
        messages: list,
      };
      store.history.importConversation(conversation);
    }
  } finally {
    store.close();
  }
}

/** A ChatGPT `conversations.json` of `messages` kept messages (plus each conversation's hidden root and system node). */
async function writeChatGptFile(file: string, messages: number): Promise<void> {
  const words = new WordList(seededRandom(12));
  const out = createWriteStream(file);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('[');
  for (let c = 0; c * PER_CONVERSATION < messages; c++) {
    const count = Math.min(PER_CONVERSATION, messages - c * PER_CONVERSATION);
    const nodes: Parameters<typeof chatGptConversation>[0]['messages'] = [{ id: `s${c}`, parent: null, role: 'system', content: '', hidden: true }];
    for (let m = 0; m < count; m++) {
      nodes.push({ id: `n${c}-${m}`, parent: m === 0 ? `s${c}` : `n${c}-${m - 1}`, role: m % 2 === 0 ? 'user' : 'assistant', content: m % 2 === 0 ? words.text(8, 30) : words.text(60, 180) });
    }
    await write(`${c > 0 ? ',' : ''}${JSON.stringify(chatGptConversation({ id: `chatgpt-${c}`, title: words.text(2, 6), createTime: 1_700_000_000 + c * 3600, messages: nodes }))}`);
  }
  await write(']');
  out.end();
  await once(out, 'close');
}
