import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    // Resolve PostgreSQL and NATS once (environment → testcontainers → embedded) and fail loudly
    // when one is missing: a suite that silently skips proves nothing.
    globalSetup: ['shared/src/testing/setup-postgres.ts', 'shared/src/testing/setup-nats.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
