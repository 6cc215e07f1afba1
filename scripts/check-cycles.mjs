#!/usr/bin/env node
// Fails when a package imports a workspace package it does not declare, when the package graph
// has a cycle, or when files inside one package import each other in a cycle.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const walk = (dir) =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });

const findCycle = (graph) => {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
};

const problems = [];
const packageGraph = new Map();

// The shape rules the code follows: one concept per file (under 400
// lines), one call context (at most two AsyncLocalStorage instances: Node propagates each one on
// every promise), and comments that state their rule instead of citing design notes a reader of
// the repository cannot open. Names are exported under the names they are declared with, so a
// reader who finds `Foo` in an index finds `Foo` in its file.
const MAX_LINES = 400;
const RENAMED_EXPORT = /export\s+(?:type\s+)?\{[^}]*\b\w+\s+as\s+\w+[^}]*\}/;
const MAX_ASYNC_LOCAL_STORAGES = 2;
const SPEC_CITATION = /(SESSION|FORMATS|CORE|OPTIMIZERS|API|TOOLCHAIN|STYLE)(\.md| section| §| [0-9])|§/;
let asyncLocalStorages = 0;
const checkShape = (file, text) => {
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines >= MAX_LINES)
    problems.push(`${relative(root, file)} has ${lines} lines (keep src files under ${MAX_LINES})`);
  asyncLocalStorages += (text.match(/new AsyncLocalStorage\b/g) ?? []).length;
  const citation = text.split('\n').findIndex((line) => SPEC_CITATION.test(line));
  if (citation >= 0)
    problems.push(`${relative(root, file)}:${citation + 1} cites a design note; state the rule instead`);
  const renamed = RENAMED_EXPORT.exec(text);
  if (renamed)
    problems.push(`${relative(root, file)} renames an export (${renamed[0]}); export the declared name`);
};
for (const name of readdirSync(packagesDir)) {
  const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8'));
  const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }));
  packageGraph.set(
    manifest.name,
    [...declared].filter((d) => d.startsWith('@dspy-ts/')),
  );
  const files = walk(join(packagesDir, name, 'src'));
  const fileGraph = new Map();
  for (const file of files) {
    const edges = [];
    const text = readFileSync(file, 'utf8');
    checkShape(file, text);
    for (const match of text.matchAll(importRe)) {
      const spec = match[1] ?? match[2];
      if (spec.startsWith('.')) {
        edges.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      } else if (spec.startsWith('@dspy-ts/')) {
        const target = spec.split('/').slice(0, 2).join('/');
        if (target !== manifest.name && !declared.has(target)) {
          problems.push(`${relative(root, file)} imports ${target}, which ${manifest.name} does not declare`);
        }
      }
    }
    // Type-only imports cannot create runtime cycles, but we keep the graph strict anyway.
    fileGraph.set(file, edges);
  }
  const cycle = findCycle(fileGraph);
  if (cycle)
    problems.push(`import cycle in ${manifest.name}: ${cycle.map((f) => relative(root, f)).join(' -> ')}`);
}
if (asyncLocalStorages > MAX_ASYNC_LOCAL_STORAGES) {
  problems.push(
    `${asyncLocalStorages} AsyncLocalStorage instances in packages/*/src (at most ${MAX_ASYNC_LOCAL_STORAGES}: use core's call frame)`,
  );
}
// Tests, READMEs, examples and benchmarks are read too: no design-note citation anywhere tracked.
// Outside a git checkout (an unpacked tarball) there is no list of tracked files: skip.
let tracked = [];
try {
  tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
} catch {}
for (const path of tracked) {
  if (!/\.(ts|mts|mjs|js|md)$/.test(path) || path === 'scripts/check-cycles.mjs') continue;
  if (path.startsWith('packages/') && path.split('/')[2] === 'src') continue; // checked above
  if (!existsSync(join(root, path))) continue;
  const line = readFileSync(join(root, path), 'utf8')
    .split('\n')
    .findIndex((l) => SPEC_CITATION.test(l));
  if (line >= 0) problems.push(`${path}:${line + 1} cites a design note; state the rule instead`);
}
const packageCycle = findCycle(packageGraph);
if (packageCycle) problems.push(`package cycle: ${packageCycle.join(' -> ')}`);

if (problems.length > 0) {
  console.error(`dependency check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dependency check: ${packageGraph.size} packages, no cycles`);
