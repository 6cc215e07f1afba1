import { readFile } from 'node:fs/promises';
import { DspyError } from '../errors.js';
import { orjsonDumps } from '../python/orjson-dumps.js';
import { markFloatFields } from '../signature/float-values.js';
import { Signature } from '../signature/signature.js';
import { atomicWriteFile } from '../utils/atomic-write.js';

export const DSPY_TS_VERSION = '0.1.0';

/** The Python DSPy release whose program and session files this library reads and writes. */
export const DSPY_VERSION = '3.3.1';

/**
 * What we record under `metadata.dependency_versions`. Python's `Module.load` looks every key up
 * in its own table (python, dspy, cloudpickle) and raises KeyError on any other, so only `dspy` is
 * written: the file follows DSPy 3.3.1's format, and a newer Python DSPy warns about the mismatch.
 */
export const dependencyVersions = (): Record<string, string> => ({ dspy: DSPY_VERSION });

/** Our own versions, recorded under `metadata.dspy_ts_versions` (Python ignores that key). */
export const dspyTsVersions = (): Record<string, string> => ({
  node: process.versions.node.split('.').slice(0, 2).join('.'),
  dspy_ts: DSPY_TS_VERSION,
});

interface Stateful {
  dumpState(): Record<string, unknown>;
  loadState(state: Record<string, unknown>, options?: { allowUnsafeLmState?: boolean | undefined }): unknown;
  /** A Module's predictors; their signatures say which demo values are floats. */
  namedPredictors?(): [string, unknown][];
}

const checkSuffix = (path: string): void => {
  if (!path.endsWith('.json')) {
    throw new DspyError(
      `\`path\` must end with \`.json\` or \`.pkl\`, but received: ${path} (dspy-ts saves JSON only)`,
    );
  }
};

/** DSPy's file text: what orjson writes for the state (2-space indent, raw UTF-8, final newline). */
export const programFileText = (state: Record<string, unknown>): string => orjsonDumps(state);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The state with each predictor's float-typed whole numbers in its demos marked, so the file
 * says `1.0` where Python's does (Python reads `1` back as an int and prompts with `1`).
 */
function withFloatDemos(module: Stateful, state: Record<string, unknown>): Record<string, unknown> {
  const named = module.namedPredictors?.() ?? [];
  // A bare Predict (named `self`) is saved flat: its keys are the state's own.
  const flat = named.length === 1 && named[0]![0] === 'self';
  const out = { ...state };
  for (const [name, predictor] of named) {
    const signature = (predictor as { signature?: unknown }).signature;
    const entry = flat ? out : out[name];
    if (!(signature instanceof Signature) || !isRecord(entry) || !Array.isArray(entry.demos)) continue;
    const demos = entry.demos.map((demo) =>
      isRecord(demo) ? markFloatFields(demo, signature.fields) : demo,
    );
    if (flat) out.demos = demos;
    else out[name] = { ...entry, demos };
  }
  return out;
}

/** The `metadata` entry of a saved program: Python's key first, then ours. */
export const programMetadata = (): Record<string, Record<string, string>> => ({
  dependency_versions: dependencyVersions(),
  dspy_ts_versions: dspyTsVersions(),
});

/** `module.save(path)`: the state plus `metadata`, written atomically. */
export async function saveProgram(module: Stateful, path: string): Promise<void> {
  checkSuffix(path);
  const state = { ...withFloatDemos(module, module.dumpState()), metadata: programMetadata() };
  await atomicWriteFile(path, programFileText(state));
}

/** `module.load(path)`: reads a DSPy or dspy-ts program file; version differences only warn. */
export async function loadProgram(
  module: Stateful,
  path: string,
  options: { allowUnsafeLmState?: boolean | undefined; warn?: (message: string) => void } = {},
): Promise<void> {
  checkSuffix(path);
  let state: unknown;
  try {
    state = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DspyError(
      `Cannot load program from ${path}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new DspyError(`Cannot load program from ${path}: the file does not hold a JSON object.`);
  }
  const { metadata, ...rest } = state as Record<string, unknown>;
  if (options.warn) warnOnVersionMismatch(metadata, options.warn);
  module.loadState(rest, { allowUnsafeLmState: options.allowUnsafeLmState });
}

type Versions = Record<string, unknown>;

/**
 * Compares the saved versions we know with ours. Three shapes reach us: Python's
 * (`dependency_versions` with python/dspy/cloudpickle), ours (`dspy` there, `node`/`dspy_ts` under
 * `dspy_ts_versions`) and ours before 0.1.0 files became Python-loadable (`node`/`dspy_ts` under
 * `dependency_versions`). Keys we have no counterpart for (python, cloudpickle) are skipped.
 */
function warnOnVersionMismatch(metadata: unknown, warn: (message: string) => void): void {
  if (typeof metadata !== 'object' || metadata === null) return;
  const { dependency_versions: python, dspy_ts_versions: own } = metadata as {
    dependency_versions?: Versions;
    dspy_ts_versions?: Versions;
  };
  const saved: Versions = { ...python, ...own };
  const current: Versions = { ...dependencyVersions(), ...dspyTsVersions() };
  for (const [key, value] of Object.entries(saved)) {
    if (Object.hasOwn(current, key) && current[key] !== value) {
      warn(
        `There is a mismatch of ${key} version between saved model and current environment. ` +
          `You saved with \`${key}==${String(value)}\`, but now you have \`${key}==${String(current[key])}\`. ` +
          'This might cause errors or performance downgrade on the loaded model, please consider loading the model in the same environment as the saving environment.',
      );
    }
  }
}
