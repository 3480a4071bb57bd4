import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run fuzz` alone (test/security/fuzz-report.test.ts): long, so never part of the suite, whose
 * e2e project runs the small version (test/e2e/fuzz.test.ts).
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/security/fuzz-report.test.ts'],
    // Hours at most: 10,000 cases on each of some twenty endpoints, one after another.
    testTimeout: 4 * 3_600_000,
    hookTimeout: 120_000,
  },
});
