import { ConfigurationError, context, Module, Predict } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShot, LabeledFewShot } from '../src/index.js';
import { exactMatch, qaLM, qaSet, questions, recordingLogger } from './support/helpers.js';

class Two extends Module {
  a = new Predict('question -> answer');
  b = new Predict('question -> answer');
  async forward(inputs: { question: string }) {
    return this.b.call(inputs);
  }
}

describe('LabeledFewShot', () => {
  it('has DSPy defaults k=16, sample=true and seed 0', () => {
    expect(new LabeledFewShot().getParams()).toEqual({ k: 16, sample: true, seed: 0 });
  });

  it('samples k demos with DSPy order (checked: [q3, q4, q0])', async () => {
    const compiled = await new LabeledFewShot({ k: 3 }).compile(new Predict('question -> answer'), {
      trainset: qaSet(5),
    });
    expect(questions(compiled.demos)).toEqual(['q3?', 'q4?', 'q0?']);
  });

  it('takes the first k without sampling (checked: [q0, q1, q2])', async () => {
    const trainset = qaSet(5);
    const compiled = await new LabeledFewShot({ k: 3, sample: false }).compile(
      new Predict('question -> answer'),
      {
        trainset,
      },
    );
    expect(compiled.demos).toEqual(trainset.slice(0, 3));
    expect(compiled.demos[0]).toBe(trainset[0]);
    const perCall = await new LabeledFewShot({ k: 3 }).compile(new Predict('question -> answer'), {
      trainset,
      sample: false,
    });
    expect(perCall.demos).toEqual(trainset.slice(0, 3));
  });

  it('draws a new sample per predictor from the full trainset', async () => {
    const compiled = await new LabeledFewShot({ k: 3 }).compile(new Two(), { trainset: qaSet(10) });
    expect(compiled.a.demos).toHaveLength(3);
    expect(compiled.b.demos).toHaveLength(3);
    expect(questions(compiled.a.demos)).not.toEqual(questions(compiled.b.demos));
  });

  it('caps k at the trainset size and gives no demos for an empty trainset', async () => {
    const small = await new LabeledFewShot({ k: 10 }).compile(new Predict('question -> answer'), {
      trainset: qaSet(2),
    });
    expect(small.demos).toHaveLength(2);
    const empty = await new LabeledFewShot().compile(new Predict('question -> answer'), { trainset: [] });
    expect(empty.demos).toEqual([]);
  });

  it('is reproducible per seed and varies across seeds', async () => {
    const run = async (seed: number) =>
      questions(
        (await new LabeledFewShot({ k: 4, seed }).compile(new Predict('q -> a'), { trainset: qaSet(20) }))
          .demos,
      );
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(6));
  });

  it('returns a new, uncompiled program and leaves the student unchanged', async () => {
    const student = new Predict('question -> answer');
    const compiled = await new LabeledFewShot({ k: 2 }).compile(student, { trainset: qaSet(3) });
    expect(compiled).not.toBe(student);
    expect(compiled.compiled).toBe(false);
    expect(student.demos).toEqual([]);
  });

  it('refuses a compiled student', async () => {
    const compiled = await context({ lm: qaLM(), logger: recordingLogger() }, () =>
      new BootstrapFewShot({ metric: exactMatch }).compile(new Predict('question -> answer'), {
        trainset: qaSet(2),
      }),
    );
    await expect(new LabeledFewShot().compile(compiled, { trainset: qaSet(2) })).rejects.toThrow(
      ConfigurationError,
    );
  });
});
