import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The ```ts blocks of the docs, for readme-run.test.ts (runs each) and readme-types.test.ts
 * (typechecks all). Conventions a block follows:
 * - It is a complete module: its own imports (`@dspy-ts/*`, `zod`, `node:*`), no reliance on
 *   earlier blocks. Each block gets fresh package instances (configure() does not leak).
 * - It makes an LM with `new LM('openai/<model>')` and no apiKey/baseURL: the test points
 *   OPENAI_API_KEY / OPENAI_BASE_URL at the local server (a reader's env points at their provider).
 * - Relative paths (`'program.json'`) land in a fresh temp working directory.
 * - An info string containing `no-run` (```ts no-run) marks a fragment: neither checked nor run.
 */
export const root = fileURLToPath(new URL('../../', import.meta.url));
export const DOCUMENTS = ['README.md', 'examples/README.md', 'packages/core/README.md'];

export interface Block {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  heading: string;
  code: string;
  file: string;
}

/** The ```ts blocks of a markdown text, with the line each starts on and the heading above it. */
export function extractBlocks(doc: string, markdown: string): Omit<Block, 'file'>[] {
  const blocks: Omit<Block, 'file'>[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    // CommonMark: up to 3 spaces of indent; a backtick fence's info string has no backtick
    // (so inline code such as ```` ```ts ```` at the start of a line is not a fence).
    const fence = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(line);
    if (!fence || (fence[2]?.startsWith('`') && fence[4]?.includes('`'))) {
      const title = /^#{1,6}\s+(.*)$/.exec(line);
      if (title) heading = title[1] ?? '';
      continue;
    }
    const [, indent = '', marker = '```', lang = '', info = ''] = fence;
    const end = lines.findIndex(
      (next, j) =>
        j > i && next.trim().startsWith(marker[0]!.repeat(marker.length)) && /^[`~]+$/.test(next.trim()),
    );
    const close = end < 0 ? lines.length : end;
    if (['ts', 'typescript'].includes(lang.toLowerCase()) && !/\bno-run\b/.test(info)) {
      const body = lines
        .slice(i + 1, close)
        .map((text) => (text.startsWith(indent) ? text.slice(indent.length) : text));
      blocks.push({ doc, line: i + 1, heading, code: body.join('\n') });
    }
    i = close;
  }
  return blocks;
}

/**
 * Reads the docs and writes each block to a fresh temp folder whose `node_modules` links to the
 * examples package's: imports resolve exactly as in examples/, and the repo stays clean.
 */
export async function writeBlocks(purpose: string): Promise<{ dir: string; blocks: Block[] }> {
  const dir = await mkdtemp(join(tmpdir(), `dspy-ts-readme-${purpose}-`));
  await symlink(join(root, 'examples/node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  const blocks: Block[] = [];
  for (const doc of DOCUMENTS) {
    const markdown = await readFile(join(root, doc), 'utf8');
    for (const block of extractBlocks(doc, markdown)) {
      const file = join(dir, `${doc.replace(/[^a-z0-9]+/gi, '-')}-L${block.line}.ts`);
      // `export {}` keeps a block without imports a module (top-level await needs one).
      await writeFile(file, `${block.code}\nexport {};\n`);
      blocks.push({ ...block, file });
    }
  }
  return { dir, blocks };
}
