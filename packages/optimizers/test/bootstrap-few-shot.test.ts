import {
  ConfigurationError,
  context,
  DummyLM,
  Example,
  type LanguageModel,
  Module,
  Predict,
  type Prediction,
  type TraceEntry,
} from '@dspy-ts/core';
import { describe, expect, it, vi } from 'vitest';
import { BootstrapFewShot } from '../src/index.js';
import { exactMatch, fieldOf, qaLM, qaSet, questions, recordingLogger } from './support/helpers.js';

const compileWith = <T>(lm: LanguageModel, fn: () => Promise<T>, logger = recordingLogger()) =>
  context({ lm, logger }, fn);

describe('BootstrapFewShot', () => {
  it('has DSPy defaults plus concurrency 8 and seed 0', () => {
    const optimizer = new BootstrapFewShot();
    expect(optimizer.getParams()).toMatchObject({
      maxBootstrappedDemos: 4,
      maxLabeledDemos: 16,
      maxRounds: 1,
      concurrency: 8,
      seed: 0,
      errorCount: 0,
    });
    expect(optimizer.metric).toBeUndefined();
    expect(optimizer.maxErrors).toBeUndefined();
  });

  it('bootstraps the first successes, then fills with labeled demos in Python order', async () => {
    const logger = recordingLogger();
    const student = new Predict('question -> answer');
    const optimizer = new BootstrapFewShot({
      metric: exactMatch,
      maxBootstrappedDemos: 2,
      maxLabeledDemos: 4,
    });
    const compiled = await compileWith(
      qaLM(),
      () => optimizer.compile(student, { trainset: qaSet(6) }),
      logger,
    );

    expect(logger.infos).toContain(
      'Bootstrapped 2 full traces after 2 examples for up to 1 rounds, amounting to 2 attempts.',
    );
    const demos = compiled.demos as Example[];
    expect(demos.map((d) => d.toDict())).toEqual([
      { augmented: true, question: 'q0?', answer: 'a0' },
      { augmented: true, question: 'q1?', answer: 'a1' },
      { question: 'q5?', answer: 'a5' },
      { question: 'q2?', answer: 'a2' },
    ]);
    // Labeled demos are the trainset's own Example objects.
    expect(demos[2]!.inputKeys).toEqual(new Set(['question']));
  });

  it('returns a new compiled program and leaves the student unchanged', async () => {
    const student = new Predict('question -> answer');
    student.lm = new DummyLM([]);
    const compiled = await compileWith(qaLM(), () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 1 }).compile(student, {
        trainset: qaSet(3),
      }),
    );
    expect(compiled).not.toBe(student);
    expect(compiled.compiled).toBe(true);
    expect(compiled.lm).toBeUndefined();
    expect(student.compiled).toBe(false);
    expect(student.demos).toEqual([]);
    expect(compiled.demos).toHaveLength(3);
  });

  it('refuses to compile an already compiled program', async () => {
    const optimizer = new BootstrapFewShot({ metric: exactMatch });
    const compiled = await compileWith(qaLM(), () =>
      optimizer.compile(new Predict('question -> answer'), { trainset: qaSet(2) }),
    );
    const again = compileWith(qaLM(), () => optimizer.compile(compiled, { trainset: qaSet(2) }));
    await expect(again).rejects.toThrow(ConfigurationError);
    await expect(again).rejects.toThrow('Student must be uncompiled.');
  });

  it('accepts every run that does not throw when there is no metric', async () => {
    const wrong = qaLM(() => ({ answer: 'wrong' }));
    const compiled = await compileWith(wrong, () =>
      new BootstrapFewShot({ maxBootstrappedDemos: 3, maxLabeledDemos: 3 }).compile(
        new Predict('question -> answer'),
        {
          trainset: qaSet(5),
        },
      ),
    );
    expect(compiled.demos.map((d) => (d as Example).toDict())).toEqual([
      { augmented: true, question: 'q0?', answer: 'wrong' },
      { augmented: true, question: 'q1?', answer: 'wrong' },
      { augmented: true, question: 'q2?', answer: 'wrong' },
    ]);
  });

  describe('metricThreshold', () => {
    const half = () => 0.5;
    const run = (metricThreshold: number) =>
      compileWith(qaLM(), () =>
        new BootstrapFewShot({
          metric: half,
          metricThreshold,
          maxBootstrappedDemos: 2,
          maxLabeledDemos: 2,
        }).compile(new Predict('question -> answer'), { trainset: qaSet(4) }),
      );

    it('rejects a value below the threshold (0.5 < 0.6)', async () => {
      const compiled = await run(0.6);
      expect(compiled.demos.every((d) => !(d as Example).get('augmented'))).toBe(true);
    });

    it('accepts a value at or above the threshold', async () => {
      const compiled = await run(0.5);
      expect(compiled.demos.map((d) => (d as Example).get('augmented'))).toEqual([true, true]);
    });

    it('treats 0 as unset: truthiness decides', async () => {
      const compiled = await run(0);
      expect(compiled.demos.map((d) => (d as Example).get('augmented'))).toEqual([true, true]);
    });
  });

  it('passes the teacher trace to the metric as its third argument', async () => {
    const traces: (TraceEntry[] | undefined)[] = [];
    const metric = (_e: Example, _p: Prediction, trace?: TraceEntry[]) => {
      traces.push(trace);
      return true;
    };
    await compileWith(qaLM(), () =>
      new BootstrapFewShot({ metric, maxBootstrappedDemos: 1, concurrency: 1 }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(2) },
      ),
    );
    expect(traces).toHaveLength(1);
    expect(traces[0]).toHaveLength(1);
    expect(traces[0]![0]!.inputs).toEqual({ question: 'q0?' });
  });

  it('falls back to labeled demos with a warning when no example passes', async () => {
    const logger = recordingLogger();
    const compiled = await compileWith(
      qaLM(() => ({ answer: 'wrong' })),
      () =>
        new BootstrapFewShot({ metric: exactMatch, maxLabeledDemos: 3 }).compile(
          new Predict('question -> answer'),
          {
            trainset: qaSet(5),
          },
        ),
      logger,
    );
    expect(compiled.demos).toHaveLength(3);
    expect(compiled.demos.some((d) => (d as Example).get('augmented'))).toBe(false);
    expect(logger.infos).toContain(
      'Bootstrapped 0 full traces after 4 examples for up to 1 rounds, amounting to 5 attempts.',
    );
    expect(logger.warns.some((w) => w.startsWith('No training example produced an accepted trace'))).toBe(
      true,
    );
  });

  it('handles an empty trainset without crashing', async () => {
    const logger = recordingLogger();
    const compiled = await compileWith(
      qaLM(),
      () =>
        new BootstrapFewShot({ metric: exactMatch }).compile(new Predict('question -> answer'), {
          trainset: [],
        }),
      logger,
    );
    expect(compiled.demos).toEqual([]);
    expect(compiled.compiled).toBe(true);
    expect(logger.infos).toContain(
      'Bootstrapped 0 full traces after 0 examples for up to 1 rounds, amounting to 0 attempts.',
    );
  });

  it('retries later rounds on a copy of the LM with rollout_id = round and temperature 1.0', async () => {
    const logger = recordingLogger();
    // The first answer to q0 is wrong; a retry (temperature 1.0) answers right.
    const lm = qaLM((question, request) =>
      question === 'q0?' && request.temperature !== 1 ? { answer: 'wrong' } : undefined,
    );
    const compiled = await compileWith(
      lm,
      () =>
        new BootstrapFewShot({
          metric: exactMatch,
          maxRounds: 3,
          maxBootstrappedDemos: 2,
          maxLabeledDemos: 2,
        }).compile(new Predict('question -> answer'), { trainset: qaSet(4) }),
      logger,
    );
    expect(questions(compiled.demos)).toEqual(['q0?', 'q1?']);
    expect(logger.infos).toContain(
      'Bootstrapped 2 full traces after 2 examples for up to 3 rounds, amounting to 3 attempts.',
    );
    const q0 = lm.requests.filter((r) => fieldOf(r, 'question') === 'q0?');
    expect(q0.map((r) => [r.temperature, r.extra?.rollout_id])).toEqual([
      [undefined, undefined],
      [1, 1],
    ]);
  });

  it('lets the teacher config win over the retry temperature', async () => {
    const lm = qaLM(() => ({ answer: 'wrong' }));
    await compileWith(lm, () =>
      new BootstrapFewShot({ metric: exactMatch, maxRounds: 2, maxLabeledDemos: 0 }).compile(
        new Predict('question -> answer', { temperature: 0.3 }),
        { trainset: qaSet(1) },
      ),
    );
    expect(lm.requests.map((r) => [r.temperature, r.extra?.rollout_id])).toEqual([
      [0.3, undefined],
      [0.3, 1],
    ]);
  });

  it('hides the current example from the teacher demos', async () => {
    const lm = qaLM();
    await compileWith(lm, () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 4, maxLabeledDemos: 16 }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(4) },
      ),
    );
    expect(lm.requests).toHaveLength(4);
    for (const request of lm.requests) {
      const current = fieldOf(request, 'question')!;
      const demoTexts = request.messages.slice(1, -1).map((m) => m.content ?? '');
      expect(demoTexts).toHaveLength(6); // the 3 other examples as user/assistant pairs
      expect(demoTexts.some((text) => text.includes(`\n${current}`))).toBe(false);
    }
  });

  it('runs the teacher with teacherSettings', async () => {
    const studentLm = new DummyLM([]);
    const teacherLm = qaLM();
    const compiled = await compileWith(studentLm, () =>
      new BootstrapFewShot({
        metric: exactMatch,
        teacherSettings: { lm: teacherLm },
        maxBootstrappedDemos: 2,
        concurrency: 1,
      }).compile(new Predict('question -> answer'), { trainset: qaSet(3) }),
    );
    expect(teacherLm.requests).toHaveLength(2);
    expect(studentLm.requests).toHaveLength(0);
    expect(questions(compiled.demos).slice(0, 2)).toEqual(['q0?', 'q1?']);
  });

  it('uses a given teacher; with maxLabeledDemos 0 it keeps its own LM and demos', async () => {
    const teacherLm = qaLM();
    const teacher = new Predict('question -> answer');
    teacher.lm = teacherLm;
    teacher.demos = [new Example({ question: 'shown?', answer: 'always' })];
    const defaultLm = new DummyLM([]);
    const compiled = await compileWith(defaultLm, () =>
      new BootstrapFewShot({
        metric: exactMatch,
        maxLabeledDemos: 0,
        maxBootstrappedDemos: 2,
        concurrency: 1,
      }).compile(new Predict('question -> answer'), { trainset: qaSet(3), teacher }),
    );
    expect(questions(compiled.demos)).toEqual(['q0?', 'q1?']);
    expect(defaultLm.requests).toHaveLength(0);
    expect(teacherLm.requests[0]!.messages[1]!.content).toContain('shown?');
    expect(compiled.lm).toBeUndefined();
    expect(teacher.demos).toHaveLength(1);
  });

  it('skips trace entries of predictors created on the fly', async () => {
    class OnTheFly extends Module {
      gen = new Predict('question -> answer');
      async forward(inputs: { question: string }) {
        await new Predict('question -> answer').call(inputs);
        return this.gen.call(inputs);
      }
    }
    const optimizer = new BootstrapFewShot({
      metric: exactMatch,
      maxBootstrappedDemos: 2,
      maxLabeledDemos: 0,
    });
    const compiled = await compileWith(qaLM(), () =>
      optimizer.compile(new OnTheFly(), { trainset: qaSet(3) }),
    );
    expect(questions(compiled.gen.demos)).toEqual(['q0?', 'q1?']);
  });

  it('rejects unknown teacherSettings keys when constructed', () => {
    expect(() => new BootstrapFewShot({ teacherSettings: { temprature: 1 } as never })).toThrow(
      ConfigurationError,
    );
  });

  it('fails fast on training examples without input keys', async () => {
    const trainset = [...qaSet(2), new Example({ question: 'q?', answer: 'a' })];
    await expect(
      compileWith(qaLM(), () =>
        new BootstrapFewShot().compile(new Predict('question -> answer'), { trainset }),
      ),
    ).rejects.toThrow(
      "trainset[2] has no input keys. Use `example.withInputs('question', ...)` to mark its inputs.",
    );
  });

  it('rejects invalid counts', () => {
    expect(() => new BootstrapFewShot({ concurrency: 0 })).toThrow('`concurrency` must be an integer >= 1');
    expect(() => new BootstrapFewShot({ maxRounds: 1.5 })).toThrow(ConfigurationError);
  });

  it('reports progress in trainset order', async () => {
    const onProgress = vi.fn();
    await compileWith(qaLM(), () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 3, onProgress }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(5) },
      ),
    );
    expect(onProgress.mock.calls.map(([p]) => p)).toEqual([
      { done: 1, total: 5, bootstrapped: 1 },
      { done: 2, total: 5, bootstrapped: 2 },
      { done: 3, total: 5, bootstrapped: 3 },
    ]);
  });

  it('keeps the instance state DSPy keeps after a compile', async () => {
    const optimizer = new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 2 });
    const trainset = qaSet(4);
    const compiled = await compileWith(qaLM(), () =>
      optimizer.compile(new Predict('question -> answer'), { trainset }),
    );
    expect(optimizer.student).toBe(compiled);
    expect(optimizer.trainset).toEqual(trainset);
    expect(Object.keys(optimizer.name2traces)).toEqual(['self']);
    expect(optimizer.name2traces.self).toHaveLength(2);
    expect(new Set(optimizer.validation)).toEqual(new Set([trainset[2], trainset[3]]));
  });
});
