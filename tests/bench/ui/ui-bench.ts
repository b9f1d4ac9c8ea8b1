/**
 * UI benchmark (not a test): the built renderer in headless Chromium against the browser host, with the scripted
 * engine streaming a reply at a fixed rate, on seeded data. Measures, inside the page, what a user of a long history
 * feels: frames while a long Markdown reply streams and the Markdown work it costs, opening and scrolling a
 * 10,000-message conversation, jumping to a search hit far back in it, and the sidebar with 10,000 conversations.
 * `npm run bench -- --only ui` runs it (see scripts/bench.ts); `frame-stats.ts` says what a frame's time is.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Message } from '../../../src-main/common/types';
import type { GenerateOptions, GenerateRequest, GenerateResult } from '../../../src-main/node/engine/port';
import { ScriptedEngine } from '../../support/scripted-engine';
import { DEFAULT_RENDERER_DIR, startBrowserHost, type BrowserHost } from '../../../src-main/node/host/browser-host';
import { ensureRendererBuilt } from '../../../src-main/node/host/renderer-build';
import { ChatPage } from '../../e2e/pages/chat-page';
import { launchChromium } from '../../e2e/support/chromium';
import { manyConversations, seedConversations } from '../../e2e/support/seed-conversations';
import { cpuSnapshot, machineLoad, type MachineLoad } from '../machine-load';
import { frameStats, median, type FrameSample, type FrameStats, type LongFrame } from './frame-stats';
import type { MarkdownEntry, PaintTarget, ScrollOptions, ScrollResult } from './probe-api';
import { bundleProbe, installProbe, probeOf, type ProbeClient } from './probe-client';
import { CHARS_PER_TOKEN, JUMP_TARGET, RARE_WORD, seedUiBench, type SeededUi, type UiSizes } from './seed-ui';

/** The sizes, and the quick mode's (checks the harness in about a minute; not for the figures). */
export const FULL_SIZES: UiSizes = { replyTokens: 4000, streamHistory: 1000, longMessages: 10_000, conversations: 10_000 };
export const QUICK_SIZES: UiSizes = { replyTokens: 600, streamHistory: 200, longMessages: 1000, conversations: 1000 };
/** The reply's rate, tokens (scripted deltas) a second. */
export const TOKENS_PER_SECOND = 50;
/** A fast user's steady scroll (a quick wheel spin, a trackpad fling), px/s; and how long it goes on by default. */
export const STEADY_SCROLL_PX_PER_SECOND = 3000;
export const STEADY_SCROLL_MS = 20_000;
/** The window: a laptop's. */
const VIEWPORT = { width: 1280, height: 800 };

/** The scenarios, in the order they run. */
export const UI_SCENARIOS = ['sidebar', 'longConversation', 'streaming'] as const;
export type UiScenario = (typeof UI_SCENARIOS)[number];

export interface UiBenchOptions {
  sizes?: UiSizes;
  /** Which scenarios to run (all by default). */
  scenarios?: readonly UiScenario[];
  /**
   * Write a Chromium CPU profile (`.cpuprofile`, for DevTools' Performance panel) of each streamed reply and each
   * scroll into this folder, to find out where the time goes. Profiling slows the page: not for the figures.
   */
  profileDir?: string;
  /** How many times each open, load and jump is measured (the figure is the median). */
  repeats?: number;
  /** How long each list is scrolled at a steady speed, ms (default {@link STEADY_SCROLL_MS}). */
  steadyScrollMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** A scroll of a list (see `page/scroll-through.ts`). */
export interface ScrollFigures {
  /** px/s, or a viewport per frame. */
  speed: 'viewport' | number;
  complete: boolean;
  seconds: number;
  /** Every frame of the scroll. */
  frames: FrameStats;
  /** Only the frames in which the view moved (not those waiting at the loaded end for the next page). */
  movingFrames: FrameStats;
  waitFrames: number;
  distancePx: number;
  /** The most rows (`li`) in the page at once. */
  maxRows: number;
  longFrames: LongFrameSummary;
}

/** Chromium's long animation frames (over 50 ms) of a scenario. */
export interface LongFrameSummary {
  count: number;
  totalMs: number;
  blockingMs: number;
  /** The three longest, with their longest scripts. */
  worst: LongFrame[];
}

export interface UiBenchResult {
  sizes: UiSizes;
  conversations: number;
  seedSeconds: number;
  /** How busy the machine was over the whole run, and in each scenario. */
  load: MachineLoad;
  scenarioLoad: Partial<Record<UiScenario, MachineLoad>>;
  /** Each scenario's figures; absent when it was not run. */
  sidebar?: {
    /** Navigation start → the newest conversation's row painted, per page load (ms). */
    firstPaintMs: number[];
    /** The same with only a handful of conversations (what the size adds). */
    baselineFirstPaintMs: number[];
    baselineConversations: number;
    /** From the top: at a fast user's steady speed for a while, and a fling (a viewport per frame) to the bottom. */
    steady: ScrollFigures;
    fling: ScrollFigures;
  };
  longConversation?: {
    /** Click on the conversation in the sidebar → its newest message painted (ms). */
    openMs: number[];
    /** The same for a 20-message conversation of the same Markdown. */
    openShortMs: number[];
    /** Navigation start (a reload with it open) → its newest message painted (ms). */
    reloadMs: number[];
    /** Click on the search hit → message #17 painted, in view and highlighted (ms). */
    jumpMs: number[];
    /** From the newest message: at a fast user's steady speed for a while, and a fling to the oldest. */
    steady: ScrollFigures;
    fling: ScrollFigures;
  };
  streaming?: {
    tokens: number;
    chars: number;
    /** The rate the engine kept (its own figure for the reply). */
    tokensPerSecond: number;
    /** Frames from the first rendered token to the reply's end. */
    frames: FrameStats;
    longFrames: LongFrameSummary;
    markdown: {
      /** Renderer updates for the reply, and how many of them only appended text. */
      updates: number;
      appends: number;
      /** The parse: ms in Marked's lexer over the whole reply, and the characters it lexed. */
      lexMs: number;
      lexedChars: number;
      /** Everything the renderer did (lexing, rendering blocks, highlighting, typesetting, DOM updates), ms. */
      totalMs: number;
      /** Of it, the updates that only appended text, their median, and the median update that parsed. */
      appendMs: number;
      appendMedianMs: number;
      parseMedianMs: number;
      blockRenders: number;
      /** A fresh renderer given the finished reply at once (its conversation opened again), per repeat. */
      oneShotLexMs: number[];
      oneShotMs: number[];
      /** lexMs ÷ the median one-shot lexing, and totalMs ÷ the median one-shot. */
      lexRatio: number;
      ratio: number;
    };
  };
  seconds: number;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Seed, start the host and Chromium, run every scenario, and clean up. */
export async function runUiBench(options: UiBenchOptions = {}): Promise<UiBenchResult> {
  const sizes = options.sizes ?? FULL_SIZES;
  const repeats = options.repeats ?? 5;
  const steadyMs = options.steadyScrollMs ?? STEADY_SCROLL_MS;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const started = performance.now();
  const runStart = cpuSnapshot();
  await ensureRendererBuilt(DEFAULT_RENDERER_DIR, log);

  const folders: string[] = [];
  const hosts: BrowserHost[] = [];
  let browser: Browser | undefined;
  try {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'phi-desk-ui-bench-'));
    folders.push(dataDir);
    log(`ui: seeding ${sizes.conversations.toLocaleString('en-US')} conversations, a ${sizes.longMessages.toLocaleString('en-US')}-message conversation and a ${sizes.streamHistory.toLocaleString('en-US')}-message one`);
    const seeded = seedUiBench(dataDir, sizes, options.seed);
    log(`ui: seeded in ${seeded.seconds} s; the reply is ${seeded.reply.length.toLocaleString('en-US')} characters`);
    const baselineDir = await mkdtemp(path.join(tmpdir(), 'phi-desk-ui-bench-'));
    folders.push(baselineDir);
    const baselineConversations = 5;
    seedConversations(baselineDir, manyConversations(baselineConversations, Date.now() - 60_000));

    const engine = new UncappedScriptedEngine({
      initialModelPath: path.join('/models', 'scripted.gguf'),
      deltaChars: CHARS_PER_TOKEN,
      deltasPerSecond: TOKENS_PER_SECOND,
    });
    const host = await startBrowserHost({ dataDir, engine });
    hosts.push(host);
    const baselineHost = await startBrowserHost({ dataDir: baselineDir, engine: new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf') }) });
    hosts.push(baselineHost);
    // The hosts' start-up work (the rest of the database check, the daily backup) runs in the background in the first
    // seconds; measured after it, the figures are those of an app in use rather than of its first seconds.
    const settling = performance.now();
    // The hosts serve at once and open their stores meanwhile (a big seeded one in a process of its own).
    await Promise.all(hosts.map((running) => running.ready));
    await Promise.all(hosts.map((running) => running.app.backups.idle()));
    log(`ui: the hosts' start-up work (database check, daily backup) took ${((performance.now() - settling) / 1000).toFixed(1)} s more`);
    browser = await launchChromium();
    const session = new Session(browser, await bundleProbe(), log, options.profileDir);

    const result: UiBenchResult = { sizes, conversations: seeded.conversations, seedSeconds: seeded.seconds, load: machineLoad(runStart, runStart), scenarioLoad: {}, seconds: 0 };
    const scenarios = options.scenarios ?? UI_SCENARIOS;
    const timed = async <T>(scenario: UiScenario, run: () => Promise<T>): Promise<T | undefined> => {
      if (!scenarios.includes(scenario)) return undefined;
      const before = cpuSnapshot();
      const value = await run();
      result.scenarioLoad[scenario] = machineLoad(before, cpuSnapshot());
      return value;
    };
    const sidebar = await timed('sidebar', () => sidebarScenario(session, { host, baselineHost, baselineConversations }, seeded, repeats, steadyMs));
    if (sidebar) result.sidebar = { ...sidebar, baselineConversations };
    result.longConversation = await timed('longConversation', () => longConversationScenario(session, host, seeded, repeats, steadyMs));
    result.streaming = await timed('streaming', () => streamingScenario(session, host, engine, seeded, repeats));
    result.load = machineLoad(runStart, cpuSnapshot());
    result.seconds = Math.round((performance.now() - started) / 1000);
    return result;
  } finally {
    await browser?.close();
    for (const host of hosts) await host.close();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  }
}

/**
 * The scripted engine without the reply's length cap: the app asks for at most Phi-2's window (2,048 tokens) per
 * reply, and the issue's reply is 4,000 tokens — what the window must render well whatever model writes it.
 */
class UncappedScriptedEngine extends ScriptedEngine {
  override generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResult> {
    const { maxTokens: _cap, ...settings } = request.settings ?? {};
    return super.generate({ ...request, settings }, options);
  }
}

/** Pages of the app with the probe in them. */
class Session {
  constructor(
    readonly browser: Browser,
    readonly probeBundle: string,
    readonly log: (line: string) => void,
    readonly profileDir: string | undefined,
  ) {}

  /** Run `work`, with a CPU profile of `page` written as `<name>.cpuprofile` when profiling. */
  async profiled<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
    if (!this.profileDir) return work();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    await cdp.send('Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await cdp.send('Profiler.stop');
      await mkdir(this.profileDir, { recursive: true });
      const file = path.join(this.profileDir, `${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      this.log(`ui: CPU profile ${file}`);
      await cdp.detach();
    }
  }

  /** A new window (its own context) on `host`; `watch` targets are timed from each page load's start. */
  async open(host: BrowserHost, hash = '', watch?: Record<string, PaintTarget>): Promise<{ context: BrowserContext; page: Page; chat: ChatPage; probe: ProbeClient }> {
    const context = await this.browser.newContext({ viewport: VIEWPORT });
    await installProbe(context, this.probeBundle, watch);
    const page = await context.newPage();
    page.on('pageerror', (error) => this.log(`ui: page error: ${error.message}`));
    // `markdown-timing`: the renderer records each update as a user-timing entry (render-timing.ts).
    const chat = await ChatPage.open(page, `${host.url}&markdown-timing${hash}`);
    return { context, page, chat, probe: probeOf(page) };
  }
}

/** Reload `page` `times` times (after the load it is on) and collect each load's paint times. */
async function pageLoads(page: Page, probe: ProbeClient, times: number): Promise<Array<Record<string, number>>> {
  const loads = [await probe.navigationToPaint(60_000)];
  for (let i = 1; i < times; i++) {
    await page.reload();
    loads.push(await probe.navigationToPaint(60_000));
  }
  return loads;
}

async function sidebarScenario(
  session: Session,
  hosts: { host: BrowserHost; baselineHost: BrowserHost; baselineConversations: number },
  seeded: SeededUi,
  repeats: number,
  steadyMs: number,
): Promise<Omit<NonNullable<UiBenchResult['sidebar']>, 'baselineConversations'>> {
  const { host, baselineHost, baselineConversations } = hosts;
  session.log('ui: sidebar — page loads');
  // The newest of the baseline's conversations ("Conversation 1" is the oldest).
  const baseline = await session.open(baselineHost, '', { rows: { kind: 'conversation', title: `Conversation ${baselineConversations}` } });
  const baselineFirstPaintMs = (await pageLoads(baseline.page, baseline.probe, repeats)).map((load) => round1(load.rows!));
  await baseline.context.close();

  const window = await session.open(host, '', { rows: { kind: 'conversation', title: seeded.newestTitle } });
  try {
    const firstPaintMs = (await pageLoads(window.page, window.probe, repeats)).map((load) => round1(load.rows!));
    session.log(`ui: sidebar first paint ${firstPaintMs.join(', ')} ms (with ${baselineConversations} conversations: ${baselineFirstPaintMs.join(', ')} ms); scrolling it to the end`);
    const scrolls = await scrollBothWays(session, window, {
      list: 'conversations',
      direction: 'down',
      end: { kind: 'conversation', title: seeded.oldestTitle },
      steadyMs,
      flingTimeoutMs: 120_000,
    });
    return { firstPaintMs, baselineFirstPaintMs, ...scrolls };
  } finally {
    await window.context.close();
  }
}

async function longConversationScenario(
  session: Session,
  host: BrowserHost,
  seeded: SeededUi,
  repeats: number,
  steadyMs: number,
): Promise<NonNullable<UiBenchResult['longConversation']>> {
  const newest: PaintTarget = { kind: 'message', number: seeded.long.messages };
  session.log('ui: long conversation — opening it from the sidebar, and the short one');
  const window = await session.open(host);
  const { chat, probe } = window;
  /** Open `title` from the sidebar and time it until `target` is painted; from another conversation. */
  const openFromSidebar = async (title: string, target: PaintTarget): Promise<number> => {
    await chat.openConversation(seeded.other.title);
    await chat.message('A short answer.').waitFor();
    await probe.armClickToPaint(target);
    await chat.openConversation(title);
    return round1(await probe.clickToPaint(30_000));
  };
  const openMs: number[] = [];
  const openShortMs: number[] = [];
  const jumpMs: number[] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      // (The last repeat is profiled, when profiling: the earlier ones have warmed the page up.)
      const open = (): Promise<number> => openFromSidebar(seeded.long.title, newest);
      openMs.push(await (i === repeats - 1 ? session.profiled(window.page, 'open-long', open) : open()));
      openShortMs.push(await openFromSidebar(seeded.short.title, { kind: 'message', number: seeded.short.messages }));
    }
    session.log(`ui: opened in ${openMs.join(', ')} ms (the short one: ${openShortMs.join(', ')} ms); jumping to a search hit`);
    for (let i = 0; i < repeats; i++) {
      // From the long conversation, open at its newest message: search, and open the hit far back.
      await openFromSidebar(seeded.long.title, newest);
      await chat.search('');
      await chat.search(RARE_WORD);
      await chat.messageHits.first().waitFor();
      await probe.armClickToPaint({ kind: 'message', number: JUMP_TARGET, highlighted: true });
      const jump = async (): Promise<number> => {
        await chat.messageHits.first().click();
        return round1(await probe.clickToPaint(30_000));
      };
      jumpMs.push(await (i === repeats - 1 ? session.profiled(window.page, 'jump', jump) : jump()));
      await chat.search('');
    }
    session.log(`ui: jumped in ${jumpMs.join(', ')} ms; page loads with it open`);
  } finally {
    await window.context.close();
  }

  const reopened = await session.open(host, `#conversation=${seeded.long.id}`, { newest });
  try {
    const reloadMs = (await pageLoads(reopened.page, reopened.probe, repeats)).map((load) => round1(load.newest!));
    session.log(`ui: shown after a page load in ${reloadMs.join(', ')} ms; scrolling up from the newest message`);
    const scrolls = await scrollBothWays(session, reopened, {
      list: 'messages',
      direction: 'up',
      end: { kind: 'message', number: 1 },
      steadyMs,
      flingTimeoutMs: 300_000,
    });
    return { openMs, openShortMs, reloadMs, jumpMs, ...scrolls };
  } finally {
    await reopened.context.close();
  }
}

async function streamingScenario(session: Session, host: BrowserHost, engine: ScriptedEngine, seeded: SeededUi, repeats: number): Promise<NonNullable<UiBenchResult['streaming']>> {
  session.log(`ui: streaming a ${seeded.reply.length.toLocaleString('en-US')}-character reply at ${TOKENS_PER_SECOND} tokens/s into ${seeded.stream.messages.toLocaleString('en-US')} messages`);
  const window = await session.open(host, `#conversation=${seeded.stream.id}`);
  const { chat, probe, page } = window;
  try {
    await expectShown(probe, { kind: 'message', number: seeded.stream.messages });
    engine.queueReply(seeded.reply);
    await probe.clearMarkdownEntries();
    await probe.startFrames();
    const stored = await session.profiled(page, 'streaming', async () => {
      await chat.send('Write it all up, with code, a table and the maths.');
      // Done when the app has stored the whole reply and the page shows it finished (the list holds only the rows
      // near the view, so the reply is found by its id).
      const seconds = seeded.reply.length / CHARS_PER_TOKEN / TOKENS_PER_SECOND;
      const reply = await storedReply(host, seeded, (seconds * 3 + 60) * 1000);
      await page.locator(`li[data-message-id="${reply.id}"][data-status="complete"]`).waitFor({ timeout: 30_000 });
      return reply;
    });
    const recording = await probe.stopFrames();
    // The reply's updates: every one while it streamed, and the last, finished one (the user's message has its own).
    const entries = (await probe.markdownEntries()).filter(
      (entry) => entry.detail.streaming || entry.detail.chars === seeded.reply.length,
    );
    const first = entries[0];
    const last = entries.at(-1);
    if (!first || !last || last.detail.chars !== seeded.reply.length || last.detail.streaming) {
      throw new Error(`the renderer's entries do not end with the whole reply (${last?.detail.chars} of ${seeded.reply.length} characters)`);
    }
    // The frames from the first token shown to the reply's end.
    const during = (sample: { start: number }): boolean => sample.start >= first.start && sample.start <= last.start + last.duration;
    const frames = recording.frames.filter(during);
    const totalMs = round1(sum(entries.map((entry) => entry.duration)));
    session.log(`ui: streamed; the Markdown renderer took ${totalMs} ms over ${entries.length} updates; rendering the finished reply at once`);

    const oneShots: MarkdownEntry[] = [];
    for (let i = 0; i < repeats; i++) {
      await chat.openConversation(seeded.other.title);
      await chat.message('A short answer.').waitFor();
      await probe.clearMarkdownEntries();
      await chat.openConversation(seeded.stream.title);
      oneShots.push(await wholeReplyRender(probe, seeded.reply.length));
    }
    const oneShotMs = oneShots.map((entry) => round1(entry.duration));
    const oneShotLexMs = oneShots.map((entry) => round1(entry.detail.lexMs));
    const lexMs = round1(sum(entries.map((entry) => entry.detail.lexMs)));
    const appends = entries.filter((entry) => entry.detail.appended);
    return {
      tokens: stored.stats?.generatedTokens ?? Number.NaN,
      chars: seeded.reply.length,
      tokensPerSecond: round1(stored.stats?.tokensPerSecond ?? Number.NaN),
      frames: frameStats(frames),
      longFrames: longFrameSummary(recording.longFrames.filter(during)),
      markdown: {
        updates: entries.length,
        appends: appends.length,
        lexMs,
        lexedChars: sum(entries.map((entry) => entry.detail.lexedChars)),
        totalMs,
        appendMs: round1(sum(appends.map((entry) => entry.duration))),
        appendMedianMs: round3(median(appends.map((entry) => entry.duration))),
        parseMedianMs: round3(median(entries.filter((entry) => !entry.detail.appended).map((entry) => entry.duration))),
        blockRenders: sum(entries.map((entry) => entry.detail.blockRenders)),
        oneShotLexMs,
        oneShotMs,
        lexRatio: Math.round((lexMs / median(oneShotLexMs)) * 100) / 100,
        ratio: Math.round((totalMs / median(oneShotMs)) * 100) / 100,
      },
    };
  } finally {
    await window.context.close();
  }
}

/** Wait until the app has stored the streamed reply, finished, as the newest message of its conversation. */
async function storedReply(host: BrowserHost, seeded: SeededUi, timeoutMs: number): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const newest = host.app.store.tree.listMessagesPage(seeded.stream.id, { limit: 1 }).messages.at(-1);
    if (newest?.role === 'assistant' && newest.status !== 'streaming' && newest.content.length === seeded.reply.length) return newest;
    if (Date.now() > deadline) throw new Error(`the reply did not finish within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Wait for the renderer's update that shows the whole reply (`chars` long) at once, finished. */
async function wholeReplyRender(probe: ProbeClient, chars: number): Promise<MarkdownEntry> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const entry = (await probe.markdownEntries()).find((candidate) => candidate.detail.chars === chars && !candidate.detail.streaming);
    if (entry) return entry;
    if (Date.now() > deadline) throw new Error('the finished reply was not rendered when its conversation opened');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function expectShown(probe: ProbeClient, target: PaintTarget): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe.isShown(target))) {
    if (Date.now() > deadline) throw new Error(`${JSON.stringify(target)} was not shown`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A window of the app (see `Session.open`). */
type AppWindow = Awaited<ReturnType<Session['open']>>;

/**
 * Scroll a list from its start (the page just loaded: the sidebar's top, the newest message) twice: at a fast user's
 * steady speed for `steadyMs`, then — from the start again, after a reload — a fling (a viewport per frame) to `end`.
 * The window's page-load watch must be for the list's start (it is waited for after the reload).
 */
async function scrollBothWays(
  session: Session,
  window: AppWindow,
  options: { list: ScrollOptions['list']; direction: ScrollOptions['direction']; end: PaintTarget; steadyMs: number; flingTimeoutMs: number },
): Promise<{ steady: ScrollFigures; fling: ScrollFigures }> {
  const { list, direction } = options;
  const name = list === 'messages' ? 'messages' : 'sidebar';
  session.log(`ui: ${name}: scrolling at ${STEADY_SCROLL_PX_PER_SECOND} px/s for ${options.steadyMs / 1000} s`);
  const steady = scrollFigures(
    await session.profiled(window.page, `${name}-steady-scroll`, () =>
      window.probe.scrollThrough({ list, direction, speed: STEADY_SCROLL_PX_PER_SECOND, until: { forMs: options.steadyMs }, timeoutMs: options.steadyMs + 10_000 }),
    ),
    STEADY_SCROLL_PX_PER_SECOND,
  );
  await window.page.reload();
  await window.probe.navigationToPaint(60_000);
  session.log(`ui: ${name}: a fling, a viewport per frame, to the end`);
  const fling = scrollFigures(
    await session.profiled(window.page, `${name}-fling`, () =>
      window.probe.scrollThrough({ list, direction, speed: 'viewport', until: options.end, timeoutMs: options.flingTimeoutMs }),
    ),
    'viewport',
  );
  return { steady, fling };
}

function scrollFigures(result: ScrollResult, speed: ScrollFigures['speed']): ScrollFigures {
  const moving = (sample: FrameSample): boolean => sample.label !== 'wait';
  return {
    speed,
    complete: result.complete,
    seconds: round1(result.ms / 1000),
    frames: frameStats(result.frames),
    movingFrames: frameStats(result.frames, moving),
    waitFrames: result.waits,
    distancePx: result.distance,
    maxRows: result.maxRows,
    longFrames: longFrameSummary(result.longFrames),
  };
}

function longFrameSummary(frames: readonly LongFrame[]): LongFrameSummary {
  return {
    count: frames.length,
    totalMs: round1(sum(frames.map((frame) => frame.duration))),
    blockingMs: round1(sum(frames.map((frame) => frame.blockingDuration))),
    worst: [...frames].sort((a, b) => b.duration - a.duration).slice(0, 3),
  };
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
