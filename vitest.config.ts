import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'component',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'services/gateway/web/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // Offline checks of deploy/: the Dockerfile, compose.yaml and the Kubernetes manifests.
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The end-to-end suites start the real processes on the spec's fixed ports: one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        test: {
          // The same end-to-end files against the modular monolith (npm start -- --monolith): those
          // that do not depend on services being separate processes (see docs/topologies.md). A group
          // of its own, never beside the e2e project: both start whole systems, some on fixed ports.
          name: 'e2e-monolith',
          include: [
            'test/e2e/spec-examples.test.ts',
            'test/e2e/consistency.test.ts',
            'test/e2e/events.test.ts',
            'test/e2e/idempotency.test.ts',
            'test/e2e/ui-shop.test.ts',
            'test/e2e/ui-saga.test.ts',
            'test/e2e/ui-events.test.ts',
            'test/e2e/ui-breaker.test.ts',
            'test/e2e/ui-pages.test.ts',
            'test/e2e/ui-compare.test.ts',
            'test/e2e/mass-assignment.test.ts',
            'test/e2e/fuzz.test.ts',
            'test/e2e/security.test.ts',
          ],
          env: { MICROSHOP_TOPOLOGY: 'monolith' },
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
