import type { Reporter } from 'vitest/reporters';

type Vitest = Parameters<NonNullable<Reporter['onInit']>>[0];
type Modules = Parameters<NonNullable<Reporter['onTestRunEnd']>>[0];

/**
 * Fails the run when no test passed, or (under CI) when a project ran zero tests:
 * plain `vitest run` exits 0 when every test is skipped or a project lost its files.
 */
export default class RequireTests implements Reporter {
  private selected: string[] = [];

  onInit(vitest: Vitest): void {
    this.selected = vitest.projects.map((p) => p.name);
  }

  onTestRunEnd(modules: Modules): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const perProject = new Map(this.selected.map((name) => [name, 0]));
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') {
          passed++;
          perProject.set(mod.project.name, (perProject.get(mod.project.name) ?? 0) + 1);
        } else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    const empty = process.env.CI ? [...perProject].filter(([, n]) => n === 0).map(([name]) => name) : [];
    if (passed === 0 || empty.length > 0) {
      console.error(`ERROR: no test passed${empty.length ? ` in ${empty.join(', ')}` : ''}`);
      process.exitCode = 1;
    }
  }
}
