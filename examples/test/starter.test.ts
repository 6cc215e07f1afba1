import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { extractBlocks, root } from './readme-blocks.ts';

// examples/starter is what a newcomer copies: its main.ts is also the README's "Your first program",
// which readme-run.test.ts runs with a key (the real-model path, against the offline scripted model)
// and readme-types.test.ts typechecks. Here it runs with no key at all.
const starter = join(root, 'examples/starter');

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('the starter', () => {
  it('is shown whole in the README under "Your first program"', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const block = extractBlocks('README.md', readme).find((b) => b.heading === 'Your first program');
    const main = await readFile(join(starter, 'main.ts'), 'utf8');
    expect(block?.code).toBe(main.trimEnd());
  });

  it('depends on the published package names and starts main.ts with one command', async () => {
    const manifest = JSON.parse(await readFile(join(starter, 'package.json'), 'utf8'));
    const core = JSON.parse(await readFile(join(root, 'packages/core/package.json'), 'utf8'));
    expect(manifest.scripts.start).toBe('tsx main.ts');
    expect(manifest.devDependencies.tsx).toBeDefined();
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@dspy-ts/core', '@dspy-ts/session']);
    for (const range of Object.values(manifest.dependencies)) {
      expect(range).toBe(`^${core.version}`);
    }
  });

  it('runs offline through the local stand-in when no key is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-starter-'));
    try {
      await symlink(join(root, 'examples/node_modules'), join(dir, 'node_modules'), 'dir');
      await writeFile(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
      await writeFile(join(dir, 'main.ts'), await readFile(join(starter, 'main.ts'), 'utf8'));
      for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DSPY_TS_MODEL']) vi.stubEnv(name, undefined);
      const lines: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((line: unknown) => lines.push(String(line)));
      vi.resetModules();
      await import(/* @vite-ignore */ pathToFileURL(join(dir, 'main.ts')).href);
      expect(lines).toContain(
        'Q: What is DSPy, in one sentence?\nA: You asked: What is DSPy, in one sentence?\n',
      );
      expect(lines.at(-1)).toBe('2 turns with the offline stand-in (no API key set).');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the published packages', () => {
  const names = ['core', 'adapters', 'session', 'optimizers'];

  it.each(names)('@dspy-ts/%s has the metadata a registry page shows', async (name) => {
    const manifest = JSON.parse(await readFile(join(root, 'packages', name, 'package.json'), 'utf8'));
    expect(manifest.license).toBe('MIT');
    expect(manifest.description.length).toBeGreaterThan(40);
    expect(manifest.repository).toMatchObject({ type: 'git', directory: `packages/${name}` });
    expect(manifest.keywords).toContain('dspy');
    expect(manifest.engines.node).toBe('>=20.19');
    // An unbuilt clone packs a package with dist/, not one without.
    expect(manifest.scripts.prepack).toBe('tsc -b');
    await expect(readFile(join(root, 'packages', name, 'LICENSE'), 'utf8')).resolves.toMatch(/^MIT License/);
    await expect(readFile(join(root, 'packages', name, 'README.md'), 'utf8')).resolves.toMatch(
      /^# @dspy-ts\//,
    );
  });

  it('list the build info as excluded from the packed files (scripts/pack-check.mjs checks real tarballs)', async () => {
    for (const name of names) {
      const manifest = JSON.parse(await readFile(join(root, 'packages', name, 'package.json'), 'utf8'));
      expect(manifest.files).toContain('!**/*.tsbuildinfo');
    }
  });

  it('are MIT licensed at the root, as DSPy is', async () => {
    const license = await readFile(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('Stanford Future Data Systems');
  });
});
