// Loads the BUILT packages (dist/) and their runtime dependencies by path: the repo root has no
// dependency on the workspace packages, so bare specifiers would not resolve from bench/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PACKAGE_ENTRIES = {
  core: 'packages/core/dist/index.js',
  testing: 'packages/core/dist/testing/index.js',
  adapters: 'packages/adapters/dist/index.js',
  session: 'packages/session/dist/index.js',
  optimizers: 'packages/optimizers/dist/index.js',
};

/** Thrown when a package (or an export the benchmark needs) is not built yet. */
export class NotBuilt extends Error {
  constructor(what) {
    super(`n/a (not built: ${what})`);
    this.name = 'NotBuilt';
  }
}

/** Imports a built workspace package (`core`, `testing`, `adapters`, `session`, `optimizers`). */
export async function pkg(name, ...requiredExports) {
  const file = join(ROOT, PACKAGE_ENTRIES[name]);
  if (!existsSync(file)) throw new NotBuilt(`@dspy-ts/${name === 'testing' ? 'core/testing' : name}`);
  const mod = await import(pathToFileURL(file).href);
  for (const key of requiredExports) {
    if (mod[key] === undefined) throw new NotBuilt(`${key} from @dspy-ts/${name}`);
  }
  return mod;
}

/** Imports a runtime dependency of a workspace package (e.g. `openai` of core), ESM entry. */
export async function dep(owner, name) {
  const dir = join(ROOT, 'packages', owner, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const root = manifest.exports?.['.'] ?? manifest.exports;
  const pick = (entry) =>
    typeof entry === 'string' ? entry : entry && (pick(entry.import) ?? pick(entry.default));
  const entry = pick(root) ?? manifest.module ?? manifest.main ?? 'index.js';
  return import(pathToFileURL(join(dir, entry)).href);
}
