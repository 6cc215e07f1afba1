// Packs every package as `pnpm pack` would publish it (prepack builds first), installs the tarballs
// with npm into a blank folder holding a copy of examples/starter, then typechecks the starter and
// runs it (a two-turn session, offline). Needs the npm registry for third-party dependencies.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dspy-ts-pack-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
const run = (command, args, cwd, env = process.env) =>
  execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  for (const name of ['core', 'adapters', 'session', 'optimizers']) {
    run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', packs], join(root, 'packages', name));
  }
  const tarballs = readdirSync(packs).map((file) => join(packs, file));
  for (const tarball of tarballs) {
    const files = run('tar', ['tzf', tarball], work).split('\n');
    const missing = [
      'package/LICENSE',
      'package/README.md',
      'package/dist/index.js',
      'package/dist/index.d.ts',
    ].filter((file) => !files.includes(file));
    // core and adapters also publish the `/internal` plumbing their sibling packages import.
    if (/dspy-ts-(core|adapters)-/.test(tarball)) {
      missing.push(
        ...['package/dist/internal.js', 'package/dist/internal.d.ts'].filter((file) => !files.includes(file)),
      );
    }
    const unwanted = files.filter((file) => file.endsWith('.tsbuildinfo'));
    if (missing.length > 0 || unwanted.length > 0) {
      throw new Error(
        `${tarball}: missing ${missing.join(', ') || '-'}; unwanted ${unwanted.join(', ') || '-'}`,
      );
    }
    const manifest = JSON.parse(run('tar', ['xzOf', tarball, 'package/package.json'], work));
    if (JSON.stringify(manifest).includes('workspace:'))
      throw new Error(`${tarball}: workspace: ranges left`);
  }

  mkdirSync(app);
  for (const file of ['main.ts', 'package.json', 'tsconfig.json']) {
    cpSync(join(root, 'examples/starter', file), join(app, file));
  }
  const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error'];
  run('npm', ['install', ...npmFlags, ...tarballs], app);
  run('npm', ['install', ...npmFlags], app);
  run('npm', ['run', '--silent', 'typecheck'], app);
  // Every entry point resolves from the installed tarballs, the `/internal` subpaths included.
  run(
    'node',
    [
      '--input-type=module',
      '-e',
      "for (const entry of ['@dspy-ts/core/internal', '@dspy-ts/adapters/internal', '@dspy-ts/optimizers']) await import(entry);",
    ],
    app,
  );
  const env = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DSPY_TS_MODEL']) delete env[name];
  const output = run('npm', ['start', '--silent'], app, env);
  process.stdout.write(output);
  if (!output.includes('2 turns with the offline stand-in')) {
    throw new Error('the starter did not finish its two-turn session');
  }
  console.log(`pack check: ${tarballs.length} tarballs install in a blank folder and run the starter`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
