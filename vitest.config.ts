import { defineConfig } from 'vitest/config';

// Tests run one file at a time: they start real stacks on shared loopback ports.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.lab/**', '.tools/**', 'results/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
