import { readFile } from 'node:fs/promises';
import { DspyError } from '../errors.js';
import { atomicWriteFile } from '../utils/atomic-write.js';

export const DSPY_TS_VERSION = '0.1.0';

/** What we record under `metadata.dependency_versions` (Python records python/dspy/cloudpickle). */
export const dependencyVersions = (): Record<string, string> => ({
  node: process.versions.node.split('.').slice(0, 2).join('.'),
  dspy_ts: DSPY_TS_VERSION,
});

interface Stateful {
  dumpState(): Record<string, unknown>;
  loadState(state: Record<string, unknown>, options?: { allowUnsafeLmState?: boolean | undefined }): unknown;
}

const checkSuffix = (path: string): void => {
  if (!path.endsWith('.json')) {
    throw new DspyError(
      `\`path\` must end with \`.json\` or \`.pkl\`, but received: ${path} (dspy-ts saves JSON only)`,
    );
  }
};

/** DSPy's file text: 2-space indented JSON with a final newline (what orjson writes for these states). */
export const programFileText = (state: Record<string, unknown>): string =>
  `${JSON.stringify(state, null, 2)}\n`;

/** `module.save(path)`: the state plus `metadata.dependency_versions`, written atomically. */
export async function saveProgram(module: Stateful, path: string): Promise<void> {
  checkSuffix(path);
  const state = { ...module.dumpState(), metadata: { dependency_versions: dependencyVersions() } };
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
  const saved = (metadata as { dependency_versions?: Record<string, unknown> } | undefined)
    ?.dependency_versions;
  if (saved && options.warn) {
    const ours = dependencyVersions();
    for (const [key, value] of Object.entries(saved)) {
      if (key in ours && ours[key] !== value) {
        options.warn(
          `There is a mismatch of ${key} version between saved model and current environment. ` +
            `You saved with \`${key}==${String(value)}\`, but now you have \`${key}==${ours[key]}\`. ` +
            'This might cause errors or performance downgrade on the loaded model, please consider loading the model in the same environment as the saving environment.',
        );
      }
    }
  }
  module.loadState(rest, { allowUnsafeLmState: options.allowUnsafeLmState });
}
