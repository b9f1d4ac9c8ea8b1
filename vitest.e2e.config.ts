import { defineConfig } from 'vitest/config';

// End-to-end tests: the built renderer in headless system Chromium, driven by playwright-core, against the browser
// host (real SQLite; the real engine on a synthetic model, or the scripted one for exact text). One file at a time:
// each starts its own host and browser, and the real engine wants the CPU to itself.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    globalSetup: ['tests/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/test-results/e2e.json' },
  },
});
