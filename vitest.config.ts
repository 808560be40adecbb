import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run (each test file makes its own table).
    globalSetup: ['test/support/global-setup.ts'],
    // The tests' own config, never the user's config/funnel.config.ts: funnels, CLIs and `npm start` started by
    // a test inherit it (local/config-file.ts).
    env: { FUNNEL_CONFIG: 'test/support/config.ts' },
    testTimeout: 30_000,
    // A browser on a loaded 2-core machine: what the page should show within seconds, not vitest's default 1 s
    // (the widget's entry imports its module first: one more round trip before a form shows).
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 90_000,
    // Two cores here: keep the Java process, Chromium and the workers from starving each other.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
