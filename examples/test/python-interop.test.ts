import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dspyTsVersions } from '@dspy-ts/core/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { INTEROP_FILES, writeInteropFiles } from '../lib/interop-files.mjs';

// The fixtures are files this code wrote and the real Python DSPy 3.3.1 / dspy-session 0.1.0
// loaded (scripts/check-python-interop.mjs; Python's findings are in python-report.json). Writing
// the same bytes today means Python still loads what we save.
const fixture = (name: string) =>
  readFile(new URL(`./fixtures/python-interop/${name}`, import.meta.url), 'utf8');
// Our own versions differ per machine; everything else must match byte for byte.
const withOurNode = (text: string) => text.replace(/"node": "[^"]*"/, `"node": "${dspyTsVersions().node}"`);

interface PythonReport {
  [file: string]: {
    loaded: boolean;
    resaved_equal?: boolean;
    resaved_equal_before_metadata?: boolean;
    session_history_messages?: Record<string, unknown>[];
  };
}

describe('files Python DSPy loads (fixtures checked with the real Python)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dspy-ts-interop-'));
    await writeInteropFiles(dir);
  });

  for (const name of INTEROP_FILES) {
    it(`writes ${name} byte for byte as Python was shown it`, async () => {
      expect(await readFile(join(dir, name), 'utf8')).toBe(withOurNode(await fixture(name)));
    });
  }

  it('puts only the dspy version under dependency_versions, and ours under dspy_ts_versions', async () => {
    const saved = JSON.parse(await readFile(join(dir, 'program_compiled.json'), 'utf8'));
    expect(Object.keys(saved)).toEqual(['classify', 'answer.predict', 'metadata']);
    expect(saved.metadata).toEqual({
      dependency_versions: { dspy: '3.3.1' },
      dspy_ts_versions: dspyTsVersions(),
    });
  });

  it('writes float-typed whole numbers as 1.0 in program demos and session turns', async () => {
    expect(await readFile(join(dir, 'program_multi.json'), 'utf8')).toContain('"score": 1.0\n');
    const session = await readFile(join(dir, 'session_floats.json'), 'utf8');
    expect(session).toContain('"confidence": 1.0\n');
    expect(session).toContain('"score": 0.0\n');
  });

  it('has a Python report in which every file loaded and saved back unchanged', async () => {
    const report = JSON.parse(await fixture('python-report.json')) as PythonReport;
    for (const name of INTEROP_FILES) {
      expect(report[name]?.loaded).toBe(true);
      expect(report[name]?.resaved_equal ?? report[name]?.resaved_equal_before_metadata).toBe(true);
    }
    expect(report['session_no_history_inputs.json']?.session_history_messages).toEqual([
      { answer: 'Paris' },
      { answer: 'Bern' },
    ]);
  });
});
