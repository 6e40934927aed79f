import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@jobgate/source'] },
  ssr: { resolve: { conditions: ['@jobgate/source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.{ts,tsx}',
      'examples/*/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    globalSetup: ['packages/testkit/src/skipReport.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
