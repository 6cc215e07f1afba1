import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration } from 'vitest/config';

// Vitest 4 ignores a bare workspace file: vitest.config.ts imports this list as `test.projects`.
const project = (name: string, dir: string): TestProjectInlineConfiguration => ({
  extends: true,
  test: {
    name,
    include: ['test/**/*.test.ts'],
    // Absolute roots: a relative root resolves against the cwd, which breaks per-package runs.
    root: fileURLToPath(new URL(`./${dir}`, import.meta.url)),
  },
});

export default [
  project('@dspy-ts/core', 'packages/core'),
  project('@dspy-ts/adapters', 'packages/adapters'),
  project('@dspy-ts/session', 'packages/session'),
  project('@dspy-ts/optimizers', 'packages/optimizers'),
  project('examples', 'examples'),
];
