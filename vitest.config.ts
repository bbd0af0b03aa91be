import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,desktop,central,scripts,k8s}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one PostgreSQL server and one broker; each file uses its own
    // database and queue prefix, but two cores cannot run many of them at once usefully.
    maxWorkers: 2,
    globalSetup: ['scripts/harness/vitest-global-setup.ts'],
  },
});
