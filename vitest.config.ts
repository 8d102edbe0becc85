import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end suites spawn processes and servers; two cores run two files at a time, and a
    // test that starts the real CLI several times needs minutes when the machine is busy. These
    // are guards against a hang, not measurements.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    pool: 'forks',
  },
});
