import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DSPY_TS_VERSION,
  Example,
  InputField,
  loadProgram,
  Module,
  OutputField,
  Predict,
  signature,
} from '../src/index.js';
import { dspyTsVersions } from '../src/internal.js';
import { orjsonFloat } from '../src/python/orjson-dumps.js';

const tempFile = async (name: string) => join(await mkdtemp(join(tmpdir(), 'dspy-ts-')), name);
const node = dspyTsVersions().node;

describe('program file metadata', () => {
  it('writes only the dspy version under dependency_versions (what Python Module.load accepts) and ours apart', async () => {
    const predict = new Predict('question -> answer');
    predict.demos = [new Example({ question: 'Capital of France?', answer: 'Paris' })];
    const path = await tempFile('program.json');
    await predict.save(path);
    expect(await readFile(path, 'utf8')).toBe(
      `{
  "traces": [],
  "train": [],
  "demos": [
    {
      "question": "Capital of France?",
      "answer": "Paris"
    }
  ],
  "signature": {
    "instructions": "Given the fields \`question\`, produce the fields \`answer\`.",
    "fields": [
      {
        "prefix": "Question:",
        "description": "\${question}"
      },
      {
        "prefix": "Answer:",
        "description": "\${answer}"
      }
    ]
  },
  "lm": null,
  "metadata": {
    "dependency_versions": {
      "dspy": "3.3.1"
    },
    "dspy_ts_versions": {
      "node": "${node}",
      "dspy_ts": "${DSPY_TS_VERSION}"
    }
  }
}
`,
    );
  });

  const loadWarnings = async (metadata: unknown) => {
    const path = await tempFile('program.json');
    await writeFile(path, JSON.stringify({ ...new Predict('q -> a').dumpState(), metadata }));
    const warnings: string[] = [];
    await loadProgram(new Predict('q -> a'), path, { warn: (m) => warnings.push(m) });
    return warnings;
  };

  it('reads our versions from dspy_ts_versions and warns on a dspy_ts mismatch', async () => {
    const warnings = await loadWarnings({
      dependency_versions: { dspy: '3.3.1' },
      dspy_ts_versions: { node, dspy_ts: '0.0.9' },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `You saved with \`dspy_ts==0.0.9\`, but now you have \`dspy_ts==${DSPY_TS_VERSION}\``,
    );
  });

  it('reads our versions from dependency_versions in files written before they moved', async () => {
    const warnings = await loadWarnings({ dependency_versions: { node: '1.0', dspy_ts: DSPY_TS_VERSION } });
    expect(warnings).toEqual([expect.stringContaining('You saved with `node==1.0`')]);
  });

  it("warns about Python's dspy version only, not its python and cloudpickle versions", async () => {
    const same = await loadWarnings({
      dependency_versions: { python: '3.11', dspy: '3.3.1', cloudpickle: '2.1' },
    });
    expect(same).toEqual([]);
    const older = await loadWarnings({
      dependency_versions: { python: '3.11', dspy: '3.0.4', cloudpickle: '2.1' },
    });
    expect(older).toEqual([
      expect.stringContaining('You saved with `dspy==3.0.4`, but now you have `dspy==3.3.1`'),
    ]);
  });
});

describe('float values in program files', () => {
  const scored = signature({
    inputs: { question: InputField() },
    outputs: {
      confidence: OutputField(z.number()),
      count: OutputField(z.int()),
      weights: OutputField(z.array(z.number())),
      bounds: OutputField(z.object({ low: z.number().nullable(), high: z.number() })),
    },
  });

  it('writes whole numbers of float-typed demo fields as 1.0 and int fields as 1', async () => {
    const predict = new Predict(scored);
    predict.demos = [
      new Example({
        question: 'q',
        confidence: 1,
        count: 2,
        weights: [0, 0.5, 3],
        bounds: { low: null, high: 10 },
      }),
      { question: 'r', confidence: 0.25, count: 0, extra: 7 },
    ];
    const path = await tempFile('program.json');
    await predict.save(path);
    const text = await readFile(path, 'utf8');
    const demos = text.slice(text.indexOf('"demos"'), text.indexOf('"signature"'));
    expect(demos).toBe(`"demos": [
    {
      "question": "q",
      "confidence": 1.0,
      "count": 2,
      "weights": [
        0.0,
        0.5,
        3.0
      ],
      "bounds": {
        "low": null,
        "high": 10.0
      }
    },
    {
      "question": "r",
      "confidence": 0.25,
      "count": 0,
      "extra": 7
    }
  ],
  `);
  });

  it('marks the demos of each predictor of a multi-predictor module by its own signature', async () => {
    class Two extends Module {
      rate = new Predict('text -> score: float');
      count = new Predict('text -> score: int');
      async forward() {
        return undefined;
      }
    }
    const program = new Two();
    program.rate.demos = [{ text: 'a', score: 4 }];
    program.count.demos = [{ text: 'a', score: 4 }];
    const path = await tempFile('program.json');
    await program.save(path);
    const text = await readFile(path, 'utf8');
    expect(text.match(/"score": [\d.]+/g)).toEqual(['"score": 4.0', '"score": 4']);
    const reloaded = await new Two().load(path);
    expect(reloaded.rate.demos).toEqual([{ text: 'a', score: 4 }]);
  });

  it('prints floats exactly as orjson does', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [0.1, '0.1'],
      [1e-5, '0.00001'],
      [1e-6, '1e-6'],
      [1.5e-6, '1.5e-6'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e16'],
      [1.2345678901234568e17, '1.2345678901234568e17'],
      [-0, '-0.0'],
      [-3, '-3.0'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e308'],
      [0.1 + 0.2, '0.30000000000000004'],
    ];
    expect(cases.map(([x]) => orjsonFloat(x))).toEqual(cases.map(([, text]) => text));
  });
});
