import { rm } from 'node:fs/promises';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { root, writeBlocks } from './readme-blocks.ts';

// The docs' ```ts blocks typecheck with the repo's strict settings (tsconfig.check.json: sources
// through the @dspy-ts/source condition, so no build is needed). Slow: a separate file runs in parallel.
it('every README code block typechecks', async () => {
  const { dir, blocks } = await writeBlocks('types');
  const configPath = `${root}tsconfig.check.json`;
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, { noEmit: true }, configPath);
  const program = ts.createProgram({ rootNames: blocks.map((block) => block.file), options: parsed.options });
  const problems = ts.getPreEmitDiagnostics(program).flatMap((diagnostic) => {
    const block = blocks.find((b) => b.file === diagnostic.file?.fileName);
    if (!block || !diagnostic.file) return [];
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return [
      `${block.doc}:${block.line + line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    ];
  });
  await rm(dir, { recursive: true, force: true });
  expect(problems).toEqual([]);
}, 180_000);
