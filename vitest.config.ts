import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import RequireTests from './scripts/require-tests.ts';
import projects from './vitest.workspace.ts';

// Resolve workspace packages to their TypeScript sources: tests never need a build.
// ssr.resolve.conditions replaces Vite's defaults, so they are listed again.
const conditions = ['@dspy-ts/source', 'node', 'development|production'];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    projects,
    passWithNoTests: false,
    reporters: ['default', new RequireTests()],
    testTimeout: 20_000,
    // Tests never write to the user's real LM cache.
    env: { DSPY_TS_CACHEDIR: join(tmpdir(), `dspy-ts-test-cache-${process.pid}`) },
  },
});
