#!/usr/bin/env node
/**
 * Shows the files dspy-ts writes to the real Python DSPy 3.3.1 and dspy-session 0.1.0:
 *
 *   npx -y pnpm@10 run build
 *   node scripts/check-python-interop.mjs [--python ../shared/python/run] [--update]
 *
 * Writes the programs and sessions of examples/lib/interop-files.mjs, loads each one in Python
 * (scripts/python-interop/check.py: `Module.load`, `Session.load_from`, then a save from Python)
 * and fails unless every file loads, float fields come back as Python floats, an empty
 * historyInputFields keeps inputs out of Python's history, and Python's own save writes the same
 * bytes. `--update` copies the files and Python's report into
 * examples/test/fixtures/python-interop/, which examples/test/python-interop.test.ts compares
 * byte for byte on every test run (that test needs no Python).
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INTEROP_FILES, writeInteropFiles } from '../examples/lib/interop-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const option = process.argv.indexOf('--python');
// The runner of the real Python DSPy (see its README); the default is where this workspace keeps it.
const runner = option > 0 ? process.argv[option + 1] : join(root, '..', 'shared', 'python', 'run');
const fixtures = join(root, 'examples', 'test', 'fixtures', 'python-interop');

const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-interop-'));
await writeInteropFiles(dir);
const python = spawnSync(runner, [join(root, 'scripts', 'python-interop', 'check.py'), dir], {
  encoding: 'utf8',
});
if (python.status !== 0) {
  console.error(python.error?.message ?? python.stderr);
  console.error(
    `Python could not load the files in ${dir} (runner: ${runner}; pass --python PATH to change it).`,
  );
  process.exit(1);
}
const report = JSON.parse(python.stdout);

const typeOf = (values, key) => values[key]?.[1];
const failures = [];
const expect = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

for (const name of INTEROP_FILES.filter((file) => file.startsWith('program_'))) {
  const entry = report[name];
  expect(entry.loaded, `${name}: Module.load accepts it`);
  expect(entry.resaved_equal_before_metadata, `${name}: Python saves it back to the same state bytes`);
  const floats = Object.values(entry.demos)
    .flat()
    .flatMap((demo) => ['confidence', 'score'].filter((key) => key in demo).map((key) => typeOf(demo, key)));
  expect(
    floats.length > 0 && floats.every((type) => type === 'float'),
    `${name}: float demo values load as float`,
  );
}
for (const name of ['session_floats.json', 'session_no_history_inputs.json']) {
  expect(
    report[name].loaded && report[name].resaved_equal,
    `${name}: Session.load_from then save gives the same bytes`,
  );
}
const floatTurns = report['session_floats.json'].turns;
expect(
  floatTurns.every((turn) => typeOf(turn.outputs, 'confidence') === 'float' && turn.score[1] === 'float'),
  'session_floats.json: confidence and score load as float',
);
expect(
  report['session_no_history_inputs.json'].session_history_messages.every((m) => !('question' in m)),
  'session_no_history_inputs.json: Python keeps inputs out of the history, as dspy-ts does',
);

if (process.argv.includes('--update')) {
  for (const name of INTEROP_FILES) await copyFile(join(dir, name), join(fixtures, name));
  await writeFile(join(fixtures, 'python-report.json'), python.stdout);
  console.log(`updated ${fixtures}`);
}
if (failures.length > 0) process.exit(1);
