import {
  ChainOfThought,
  context,
  DummyLM,
  type Example,
  type LanguageModel,
  type LMRequest,
  Module,
  Predict,
  settings,
} from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShot } from '../src/index.js';
import { exactMatch, fieldOf, qaLM, qaSet, questions, recordingLogger } from './support/helpers.js';

const compileWith = <T>(lm: LanguageModel, fn: () => Promise<T>, logger = recordingLogger()) =>
  context({ lm, logger }, fn);

describe('BootstrapFewShot with several predictors', () => {
  class Pipeline extends Module {
    a = new Predict('question -> draft');
    b = new ChainOfThought('draft -> answer');
    async forward(inputs: { question: string }) {
      const { draft } = await this.a.call(inputs);
      return this.b.call({ draft });
    }
  }

  const pipelineLM = (wrongFirst = false) => {
    let firstAnswer = true;
    return new DummyLM((request: LMRequest) => {
      const question = fieldOf(request, 'question');
      if (question !== undefined) return { draft: `draft ${question}` };
      const draft = fieldOf(request, 'draft')!;
      const n = /q(\d+)\?/.exec(draft)![1];
      if (wrongFirst && n === '0' && firstAnswer) {
        firstAnswer = false;
        return { reasoning: 'hmm', answer: 'wrong' };
      }
      return { reasoning: `because ${n}`, answer: `a${n}` };
    });
  };

  it('gives each predictor its own trace demos, then labeled demos', async () => {
    const logger = recordingLogger();
    const compiled = await compileWith(
      pipelineLM(true),
      () =>
        new BootstrapFewShot({
          metric: exactMatch,
          maxRounds: 3,
          maxBootstrappedDemos: 2,
          maxLabeledDemos: 5,
          concurrency: 1,
        }).compile(new Pipeline(), { trainset: qaSet(8) }),
      logger,
    );
    expect(logger.infos).toContain(
      'Bootstrapped 2 full traces after 2 examples for up to 3 rounds, amounting to 3 attempts.',
    );
    const a = compiled.a.demos as Example[];
    const b = compiled.b.predict.demos as Example[];
    expect(a.slice(0, 2).map((d) => d.toDict())).toEqual([
      { augmented: true, question: 'q0?', draft: 'draft q0?' },
      { augmented: true, question: 'q1?', draft: 'draft q1?' },
    ]);
    expect(b.slice(0, 2).map((d) => d.toDict())).toEqual([
      { augmented: true, draft: 'draft q0?', reasoning: 'because 0', answer: 'a0' },
      { augmented: true, draft: 'draft q1?', reasoning: 'because 1', answer: 'a1' },
    ]);
    // Python order: q2, q5, q6 for `a`; `b.predict` re-samples those three.
    expect(questions(a.slice(2))).toEqual(['q2?', 'q5?', 'q6?']);
    expect(new Set(questions(b.slice(2)))).toEqual(new Set(['q2?', 'q5?', 'q6?']));
  });

  it('samples each predictor from the previous predictor sample (DSPy quirk)', async () => {
    const compiled = await compileWith(pipelineLM(), () =>
      new BootstrapFewShot({ metric: () => false, maxLabeledDemos: 3 }).compile(new Pipeline(), {
        trainset: qaSet(8),
      }),
    );
    const first = questions(compiled.a.demos);
    const second = questions(compiled.b.predict.demos);
    expect(first).toHaveLength(3);
    expect(new Set(second)).toEqual(new Set(first));
  });

  it('checks that student and teacher line up', async () => {
    const run = (teacher: Module) =>
      compileWith(pipelineLM(), () =>
        new BootstrapFewShot().compile(new Pipeline(), { trainset: qaSet(1), teacher: teacher as Pipeline }),
      );
    class One extends Module {
      a = new Predict('question -> draft');
      async forward() {
        return undefined;
      }
    }
    class Renamed extends Module {
      x = new Predict('question -> draft');
      b = new ChainOfThought('draft -> answer');
      async forward() {
        return undefined;
      }
    }
    class OtherSignature extends Module {
      a = new Predict('question -> draft');
      b = new ChainOfThought('draft -> final');
      async forward() {
        return undefined;
      }
    }
    await expect(run(new One())).rejects.toThrow(
      'Student and teacher must have the same number of predictors.',
    );
    await expect(run(new Renamed())).rejects.toThrow(
      'Student and teacher must have the same program structure.',
    );
    await expect(run(new OtherSignature())).rejects.toThrow(
      /^Student and teacher must have the same signatures\. .* != .*/,
    );
  });
});

describe('BootstrapFewShot error budget', () => {
  class Flaky extends Module {
    gen = new Predict('question -> answer');
    async forward(inputs: { question: string }) {
      if (inputs.question === 'q1?' || inputs.question === 'q2?') throw new Error(`boom ${inputs.question}`);
      return this.gen.call(inputs);
    }
  }
  const run = (options: { maxErrors?: number; concurrency?: number }, logger = recordingLogger()) =>
    compileWith(
      qaLM(),
      () =>
        new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 10, ...options }).compile(
          new Flaky(),
          {
            trainset: qaSet(5),
          },
        ),
      logger,
    );

  it('logs errors under the budget and keeps failed examples as labeled candidates', async () => {
    const logger = recordingLogger();
    const compiled = await run({}, logger);
    const demos = compiled.gen.demos as Example[];
    expect(questions(demos)).toEqual(['q0?', 'q3?', 'q4?', 'q2?', 'q1?']);
    expect(demos.map((d) => d.get('augmented'))).toEqual([true, true, true, undefined, undefined]);
    expect(logger.warns.filter((w) => w.startsWith('Failed to run or to evaluate example'))).toEqual([
      expect.stringContaining('with exactMatch due to boom q1?.'),
      expect.stringContaining('with exactMatch due to boom q2?.'),
    ]);
  });

  it('rethrows the error that reaches maxErrors', async () => {
    await expect(run({ maxErrors: 2 })).rejects.toThrow('boom q2?');
    await expect(run({ maxErrors: 1 })).rejects.toThrow('boom q1?');
  });

  it('counts errors in trainset order under concurrency', async () => {
    for (let i = 0; i < 5; i++)
      await expect(run({ maxErrors: 2, concurrency: 8 })).rejects.toThrow('boom q2?');
  });

  it('accumulates errors across compiles on one instance, as DSPy does', async () => {
    const optimizer = new BootstrapFewShot({ metric: exactMatch, maxErrors: 3 });
    const compile = () => compileWith(qaLM(), () => optimizer.compile(new Flaky(), { trainset: qaSet(3) }));
    await compile();
    expect(optimizer.errorCount).toBe(2);
    await expect(compile()).rejects.toThrow('boom q1?');
  });

  it('costs one error per round for an example that always fails', async () => {
    const optimizer = new BootstrapFewShot({ metric: exactMatch, maxRounds: 3 });
    await compileWith(qaLM(), () => optimizer.compile(new Flaky(), { trainset: qaSet(2) }));
    expect(optimizer.errorCount).toBe(3);
  });

  it('raises a clear error, outside the budget, when an input key is also an output key', async () => {
    // Predict refuses such inputs, so only a hand-written trace entry can produce one.
    class Echo extends Module {
      gen = new Predict('question -> answer');
      async forward(inputs: { question: string }) {
        const prediction = await this.gen.call(inputs);
        settings.trace?.push({ predictor: this.gen, inputs: { ...inputs, answer: 'leak' }, prediction });
        return prediction;
      }
    }
    const optimizer = new BootstrapFewShot({ maxErrors: 100 });
    await expect(
      compileWith(qaLM(), () => optimizer.compile(new Echo(), { trainset: qaSet(2) })),
    ).rejects.toThrow("Cannot build a demo for predictor 'gen': 'answer' is both an input and an output");
    expect(optimizer.errorCount).toBe(0);
  });
});
