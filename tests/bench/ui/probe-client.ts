import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { PROBE_GLOBAL, type PaintTarget, type UiProbe } from './probe-api';

const PROBE_ENTRY = fileURLToPath(new URL('./page/probe.ts', import.meta.url));

/** The probe's methods as called from Node: the same, each a promise of its result. */
export type ProbeClient = { [K in keyof UiProbe]: (...args: Parameters<UiProbe[K]>) => Promise<Awaited<ReturnType<UiProbe[K]>>> };

/** The probe (`page/probe.ts`) bundled into one script for the page. */
export async function bundleProbe(): Promise<string> {
  const result = await build({ entryPoints: [PROBE_ENTRY], bundle: true, write: false, format: 'iife', target: 'chrome120', logLevel: 'silent' });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no probe bundle');
  return output.text;
}

/**
 * Inject the probe into every page `context` opens, before the app's scripts; with `watchFromStart`, each page load
 * also times the paint of those targets from the navigation's start (read with `navigationToPaint`).
 */
export async function installProbe(context: BrowserContext, bundle: string, watchFromStart?: Record<string, PaintTarget>): Promise<void> {
  const watch = watchFromStart ? `\nglobalThis[${JSON.stringify(PROBE_GLOBAL)}].watchFromStart(${JSON.stringify(watchFromStart)});` : '';
  await context.addInitScript({ content: `${bundle}${watch}` });
}

/** The probe of `page`, called from Node. */
export function probeOf(page: Page): ProbeClient {
  const call = (name: string, args: unknown[]): Promise<unknown> =>
    page.evaluate(
      ([global, method, parameters]) => {
        // Runs in the page (this file's types are Node's): the probe is a global there.
        const installed = (globalThis as unknown as Record<string, Record<string, (...values: unknown[]) => unknown>>)[global];
        if (!installed) throw new Error('the UI benchmark probe is not installed in this page');
        return installed[method]!(...parameters);
      },
      [PROBE_GLOBAL, name, args] as const,
    );
  return new Proxy({} as ProbeClient, {
    get: (_, name) => (typeof name === 'string' ? (...args: unknown[]) => call(name, args) : undefined),
  });
}
