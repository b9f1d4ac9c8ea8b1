import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Unit and integration tests under plain Node: real SQLite files, the real engine on a synthetic model; and the
// Electron smoke test (tests/electron), which skips itself, saying why, where no Electron binary is installed.
// The Svelte plugin compiles the renderer's `.svelte.ts` state classes; their tests run in a jsdom environment
// (`// @vitest-environment jsdom` at the top of the file), which makes Vitest compile them for the browser, so
// `$state`/`$derived` are the real reactive runes, not the server build's plain values.
export default defineConfig({
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/electron/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/test-results/unit.json' },
  },
});
