import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ConfigurationError, context, type Example, Module, Predict, Prediction } from '@dspy-ts/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Evaluate, EvaluationResult, type OptimizerCallback, type Program } from '../src/index.js';
import { createProgress } from '../src/progress.js';
import { exactMatch, fieldOf, qaLM, qaSet, recordingLogger } from './support/helpers.js';
import { SlowLM } from './support/slow-lm.js';

/** Answers right, except q1 (wrong) and q2 (throws). */
class Scripted extends Module {
  gen = new Predict('question -> answer');
  async forward(inputs: { question: string }) {
    if (inputs.question === 'q2?') throw new Error('boom');
    return this.gen.call(inputs);
  }
}
const scriptedLM = () => qaLM((q) => (q === 'q1?' ? { answer: 'wrong' } : undefined));

const run = (evaluate: Evaluate, program: Program, logger = recordingLogger(), lm = scriptedLM()) =>
  context({ lm, logger }, () => evaluate.run(program));

describe('Evaluate', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('scores in percent; a failing example scores the failure score (checked: 50.0)', async () => {
    const logger = recordingLogger();
    const devset = qaSet(4);
    const result = await run(new Evaluate({ devset, metric: exactMatch }), new Scripted(), logger);
    expect(result).toBeInstanceOf(EvaluationResult);
    expect(result.score).toBe(50);
    expect(result.results.map(([example, , score]) => [example, score])).toEqual([
      [devset[0], true],
      [devset[1], false],
      [devset[2], 0],
      [devset[3], true],
    ]);
    const failed = result.results[2]![1];
    expect(failed).toBeInstanceOf(Prediction);
    expect(failed.keys()).toEqual([]);
    expect(logger.infos).toContain('Average Metric: 2 / 4 (50.0%)');
    expect(logger.warns).toContain(
      `Error for ${String(devset[2])}: boom. Set \`provideTraceback: true\` for traceback.`,
    );
    expect(logger.warns).toContain('1 of 4 examples failed and scored the failure score 0.');
    expect(String(result)).toBe('EvaluationResult(score=50.0, results=<list of 4 results>)');
  });

  it('averages fractional scores (checked: 18.75)', async () => {
    const quarter = (example: Example) => {
      if (example.question === 'q2?') throw new Error('metric failed');
      return 0.25;
    };
    const logger = recordingLogger();
    const result = await run(
      new Evaluate({ devset: qaSet(4), metric: quarter }),
      new Predict('question -> answer'),
      logger,
    );
    expect(result.score).toBe(18.75);
    expect(logger.infos).toContain('Average Metric: 0.75 / 4 (18.8%)');
  });

  it('uses failureScore for failed examples', async () => {
    const result = await run(
      new Evaluate({ devset: qaSet(4), metric: exactMatch, failureScore: 1 }),
      new Scripted(),
    );
    expect(result.results[2]![2]).toBe(1);
    expect(result.score).toBe(75);
  });

  it('rejects a metric that returns something other than a number or a boolean', async () => {
    const result = await run(
      new Evaluate({ devset: qaSet(1), metric: (() => 'yes') as never }),
      new Predict('question -> answer'),
    );
    expect(result.results[0]![2]).toBe(0);
  });

  it('returns score 0 and no results for an empty devset, with a warning', async () => {
    const logger = recordingLogger();
    const result = await run(new Evaluate({ devset: [], metric: exactMatch }), new Scripted(), logger);
    expect(result.score).toBe(0);
    expect(result.results).toEqual([]);
    expect(logger.warns).toContain('Evaluate got an empty devset: returning score 0 with no results.');
  });

  it('cancels when failures reach maxErrors', async () => {
    const logger = recordingLogger();
    const failing = new Evaluate({
      devset: qaSet(6),
      metric: () => Promise.reject(new Error('no')),
      maxErrors: 3,
    });
    await expect(run(failing, new Predict('question -> answer'), logger)).rejects.toThrow(
      'Execution cancelled due to errors or interruption.',
    );
    expect(logger.warns).toContain('Execution cancelled due to errors or interruption.');
  });

  it('runs examples concurrently and keeps results in devset order', async () => {
    const lm = new SlowLM(qaLM(), (request) => 20 - Number(/\d+/.exec(fieldOf(request, 'question')!)![0]));
    const devset = qaSet(20);
    const result = await run(
      new Evaluate({ devset, metric: exactMatch, concurrency: 5 }),
      new Predict('question -> answer'),
      recordingLogger(),
      lm as never,
    );
    expect(lm.peakInFlight).toBe(5);
    expect(result.results.map(([example]) => example)).toEqual(devset);
    expect(result.results.map(([, prediction]) => prediction.answer)).toEqual(devset.map((e) => e.answer));
    expect(result.score).toBe(100);
  });

  it('defaults concurrency to settings.numThreads', async () => {
    const lm = new SlowLM(qaLM(), () => 2);
    await context({ numThreads: 3 }, () =>
      run(
        new Evaluate({ devset: qaSet(9), metric: exactMatch }),
        new Predict('question -> answer'),
        recordingLogger(),
        lm as never,
      ),
    );
    expect(lm.peakInFlight).toBe(3);
  });

  it('lets run() options override the constructor', async () => {
    const evaluate = new Evaluate({ devset: qaSet(4), metric: () => false });
    const result = await context({ lm: qaLM(), logger: recordingLogger() }, () =>
      evaluate.run(new Predict('question -> answer'), { devset: qaSet(2), metric: exactMatch }),
    );
    expect(result.results).toHaveLength(2);
    expect(result.score).toBe(100);
  });

  it('needs a metric', async () => {
    await expect(run(new Evaluate({ devset: qaSet(1) }), new Scripted())).rejects.toThrow(ConfigurationError);
  });

  it('refuses the retired return_outputs option', () => {
    expect(() => new Evaluate({ devset: [], returnOutputs: true } as never)).toThrow(
      '`return_outputs` is no longer supported. Results are always returned inside the `results` field of the `EvaluationResult` object.',
    );
  });

  it('emits onEvaluateStart / onEvaluateEnd callbacks', async () => {
    const events: string[] = [];
    const callback: OptimizerCallback = {
      onEvaluateStart: (_id, _instance, inputs) => events.push(`start ${Object.keys(inputs).join(',')}`),
      onEvaluateEnd: (_id, outputs) => events.push(`end ${String(outputs)}`),
    };
    await context({ callbacks: [callback] }, () =>
      run(new Evaluate({ devset: qaSet(2), metric: exactMatch }), new Predict('question -> answer')),
    );
    expect(events).toEqual([
      'start program,devset,metric',
      'end EvaluationResult(score=50.0, results=<list of 2 results>)',
    ]);
  });

  describe('display and saved results', () => {
    it('logs a table with DSPy columns, cut cells and the styled metric', async () => {
      const logger = recordingLogger();
      const long = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
      const program = new Predict('question -> answer');
      const lm = qaLM((q) => (q === 'q1?' ? { answer: long } : undefined));
      await run(
        new Evaluate({ devset: qaSet(2), metric: exactMatch, displayTable: true }),
        program,
        logger,
        lm,
      );
      const table = logger.infos.find((line) => line.startsWith('| question'))!;
      const [header, , first, second] = table.split('\n');
      expect(header!.split('|').map((c) => c.trim())).toEqual([
        '',
        'question',
        'example_answer',
        'pred_answer',
        'exactMatch',
        '',
      ]);
      expect(first).toContain('✔️ [True]');
      expect(second).toContain('✔️ [False]');
      expect(second).toContain(`${long.split(' ').slice(0, 25).join(' ')}...`);
    });

    it('shows only the first n rows when displayTable is a number', async () => {
      const logger = recordingLogger();
      await run(
        new Evaluate({ devset: qaSet(5), metric: () => 0.5, displayTable: 2 }),
        new Predict('question -> answer'),
        logger,
        qaLM(),
      );
      const table = logger.infos.find((line) => line.startsWith('| question'))!.split('\n');
      expect(table).toHaveLength(5);
      expect(table[2]).toContain('✔️ [0.500]');
      expect(table[4]).toBe('... 3 more rows not displayed ...');
    });

    it('saves the rows as CSV and JSON', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-evaluate-'));
      try {
        const csv = join(dir, 'results.csv');
        const json = join(dir, 'results.json');
        const lm = qaLM((q) => (q === 'q1?' ? { answer: 'say "hi", twice' } : undefined));
        await run(
          new Evaluate({ devset: qaSet(2), metric: exactMatch, saveAsCsv: csv, saveAsJson: json }),
          new Predict('question -> answer'),
          recordingLogger(),
          lm,
        );
        expect(await readFile(csv, 'utf8')).toBe(
          'question,example_answer,pred_answer,exactMatch\r\nq0?,a0,a0,true\r\nq1?,a1,"say ""hi"", twice",false\r\n',
        );
        expect(JSON.parse(await readFile(json, 'utf8'))).toEqual([
          { question: 'q0?', example_answer: 'a0', pred_answer: 'a0', exactMatch: true },
          { question: 'q1?', example_answer: 'a1', pred_answer: 'say "hi", twice', exactMatch: false },
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('progress', () => {
    it('prints plain periodic lines when not on a terminal', async () => {
      const logger = recordingLogger();
      await run(
        new Evaluate({ devset: qaSet(20), metric: exactMatch, displayProgress: true, concurrency: 1 }),
        new Predict('question -> answer'),
        logger,
        qaLM(),
      );
      const lines = logger.infos.filter((line) => line.includes(' / ') && line.endsWith(']'));
      expect(lines).toHaveLength(10);
      expect(lines.at(-1)).toBe('Average Metric: 20.00 / 20 (100.0%) [20/20]');
    });

    it('draws a live bar on a terminal, plain lines under CI', () => {
      const stream = Object.assign(new PassThrough(), {
        isTTY: true,
        columns: 80,
      }) as unknown as NodeJS.WriteStream;
      let written = '';
      (stream as unknown as PassThrough).on('data', (chunk) => {
        written += String(chunk);
      });
      vi.stubEnv('CI', '');
      const bar = createProgress(true, { total: 4, stream });
      bar.update(4, 'Average Metric: 4.00 / 4 (100.0%)');
      bar.stop();
      expect(written).toContain('4/4 | Average Metric: 4.00 / 4 (100.0%)');

      vi.stubEnv('CI', 'true');
      const logger = recordingLogger();
      written = '';
      context({ logger }, () => {
        const plain = createProgress(true, { total: 1, stream });
        plain.update(1, 'done');
        plain.stop();
      });
      expect(written).toBe('');
      expect(logger.infos).toEqual(['done [1/1]']);
    });

    it('stays silent unless displayProgress is set', async () => {
      const logger = recordingLogger();
      await run(
        new Evaluate({ devset: qaSet(3), metric: exactMatch }),
        new Predict('question -> answer'),
        logger,
        qaLM(),
      );
      expect(logger.infos).toEqual(['Average Metric: 3 / 3 (100.0%)']);
    });
  });
});
