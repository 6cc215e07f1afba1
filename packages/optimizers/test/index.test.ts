import { ChatAdapter } from '@dspy-ts/adapters';
import { context, Predict } from '@dspy-ts/core';
import { resolveAdapter } from '@dspy-ts/core/internal';
import { describe, expect, it } from 'vitest';
import * as optimizers from '../src/index.js';
import { BootstrapFewShot, LabeledFewShot, type OptimizerCallback } from '../src/index.js';
import { exactMatch, qaLM, qaSet, recordingLogger } from './support/helpers.js';

describe('@dspy-ts/optimizers entry', () => {
  it('makes ChatAdapter the default adapter when imported', () => {
    expect(resolveAdapter()).toBeInstanceOf(ChatAdapter);
  });

  it('exports the public surface by name', () => {
    expect(Object.keys(optimizers).sort()).toEqual([
      'BootstrapFewShot',
      'BootstrapFewShotWithRandomSearch',
      'ConfigurationError',
      'DspyError',
      'Evaluate',
      'EvaluationResult',
      'GEPA',
      'LabeledFewShot',
      'MetricError',
      'Optimizer',
    ]);
  });
});

describe('compile callbacks', () => {
  it('emits onCompileStart / onCompileEnd once per compile, not for nested compiles of another optimizer', async () => {
    const events: string[] = [];
    const callback: OptimizerCallback = {
      onCompileStart: (_id, instance) => events.push(`start ${instance.constructor.name}`),
      onCompileEnd: (_id, outputs, error) => events.push(`end ${outputs ? 'program' : String(error)}`),
    };
    await context({ lm: qaLM(), logger: recordingLogger(), callbacks: [callback] }, () =>
      new BootstrapFewShot({ metric: exactMatch }).compile(new Predict('question -> answer'), {
        trainset: qaSet(2),
      }),
    );
    // BootstrapFewShot compiles its teacher with a LabeledFewShot: a different instance, so it reports too.
    expect(events).toEqual(['start BootstrapFewShot', 'start LabeledFewShot', 'end program', 'end program']);
  });

  it('reports a failed compile with its error', async () => {
    const events: unknown[] = [];
    const callback: OptimizerCallback = { onCompileEnd: (_id, _outputs, error) => events.push(error) };
    const compiled = await new LabeledFewShot().compile(new Predict('q -> a'), { trainset: [] });
    compiled.compiled = true;
    await expect(
      context({ callbacks: [callback] }, () => new LabeledFewShot().compile(compiled, { trainset: [] })),
    ).rejects.toThrow('Student must be uncompiled.');
    expect(events).toHaveLength(1);
    expect(String(events[0])).toContain('Student must be uncompiled.');
  });
});
