import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOfflineAgentModel } from '../lib/agent-model.mjs';
import type { OfflineModel } from '../lib/offline-model.mjs';
import { DOCUMENTS, extractBlocks, root, writeBlocks } from './readme-blocks.ts';

// Every ```ts block of README.md and examples/README.md runs as its own module against the local
// server answering with the offline scripted model (conventions: readme-blocks.ts).
const { dir, blocks } = await writeBlocks('run');
let model: OfflineModel;

beforeAll(async () => {
  // The offline model with its agent side, so samples with native tool calls get tool calls.
  model = await startOfflineAgentModel();
});
afterAll(async () => {
  await model.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `fn` with the env pointing LMs at the local server and a fresh temp working directory. */
async function inSandbox(fn: () => Promise<unknown>): Promise<void> {
  const cwd = process.cwd();
  const saved = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, OPENAI_BASE_URL: process.env.OPENAI_BASE_URL };
  const workDir = await mkdtemp(join(tmpdir(), 'dspy-ts-readme-'));
  process.env.OPENAI_API_KEY = 'offline';
  process.env.OPENAI_BASE_URL = model.server.url;
  process.chdir(workDir);
  try {
    await fn();
  } finally {
    process.chdir(cwd);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(workDir, { recursive: true, force: true });
  }
}

describe('README code blocks', () => {
  it('starts the README with the demo command, which runs examples/demo.mjs', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const firstCommand = /```\w*\n([^\n]*)/.exec(readme)?.[1] ?? '';
    expect(firstCommand).toMatch(/^npx -y pnpm@10 install && npx -y pnpm@10 demo\b/);
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    expect(manifest.scripts.demo).toBe('tsc -b && node examples/demo.mjs && node examples/agent-demo.mjs');
  });

  it('finds blocks in every document', () => {
    expect(new Set(blocks.map((block) => block.doc)).size).toBe(DOCUMENTS.length);
  });

  for (const block of blocks) {
    it(`${block.doc}:${block.line} (${block.heading}) runs against the local server`, async () => {
      await inSandbox(async () => {
        vi.resetModules(); // fresh package instances: no configure() from an earlier block
        await import(/* @vite-ignore */ pathToFileURL(block.file).href);
      });
    });
  }
});

describe('block extraction', () => {
  it('takes ts blocks with their line and heading, and skips no-run and other languages', () => {
    const markdown = [
      '# Title',
      '```bash',
      'npm test',
      '```',
      '## Part',
      '```ts',
      'const a = 1;',
      '```',
      '```ts no-run',
      'fragment(',
      '```',
      '  ```typescript',
      '  const b = 2;',
      '  ```',
      '```` ```ts ```` is inline code, not a fence',
      '```ts',
      'const c = 3;',
      '```',
    ].join('\n');
    expect(extractBlocks('doc.md', markdown)).toEqual([
      { doc: 'doc.md', line: 6, heading: 'Part', code: 'const a = 1;' },
      { doc: 'doc.md', line: 12, heading: 'Part', code: 'const b = 2;' },
      { doc: 'doc.md', line: 16, heading: 'Part', code: 'const c = 3;' },
    ]);
  });
});
