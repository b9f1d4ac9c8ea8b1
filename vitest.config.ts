import { defineConfig } from 'vitest/config';

// Unit and integration tests under plain Node: real SQLite files, the real engine on a synthetic model.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/test-results/unit.json' },
  },
});
