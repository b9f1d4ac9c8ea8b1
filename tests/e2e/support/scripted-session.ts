import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { ScriptedEngine, type ScriptedEngineOptions } from '../../support/scripted-engine';
import { collectPageErrors, launchChromium } from './chromium';
import { startTestHost, type TestHost } from './test-host';

/** What each test of a {@link useScriptedSession} block gets: fresh for every test. */
export interface ScriptedSession {
  /** The browser host, on a fresh data folder. */
  readonly app: TestHost;
  /** The scripted engine behind it (it records every request). */
  readonly engine: ScriptedEngine;
  /** A fresh page in the shared Chromium, in a browser context of its own (`page.context().newPage()` opens more). */
  readonly page: Page;
  /** Errors the page threw or logged; tests assert it stays empty. */
  readonly errors: string[];
}

/**
 * Register, in the calling `describe` block, one Chromium for the block and, for every test, a browser host with a
 * scripted engine (a model "loaded" at `/models/scripted.gguf`) and a fresh page. Read the fields inside tests.
 */
export function useScriptedSession(engineOptions: ScriptedEngineOptions = {}): ScriptedSession {
  let browser: Browser | undefined;
  let current: ScriptedSession | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    if (!browser) throw new Error('Chromium did not start');
    const engine = new ScriptedEngine({ initialModelPath: path.join('/models', 'scripted.gguf'), ...engineOptions });
    const app = await startTestHost({ engine });
    const page = await (await browser.newContext()).newPage();
    current = { app, engine, page, errors: collectPageErrors(page) };
  });
  afterEach(async () => {
    const session = current;
    current = undefined;
    await session?.page.context().close();
    await session?.app.dispose();
  });

  const now = (): ScriptedSession => {
    if (!current) throw new Error('the session exists only while a test runs');
    return current;
  };
  return {
    get app() {
      return now().app;
    },
    get engine() {
      return now().engine;
    },
    get page() {
      return now().page;
    },
    get errors() {
      return now().errors;
    },
  };
}
