import { ConfigurationError, context, Predict } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShotWithRandomSearch, type RandomSearchOptions } from '../src/index.js';
import { exactMatch, qaLM, qaSet, recordingLogger } from './support/helpers.js';

/** Right only when the prompt carries demos: zero-shot scores 0, anything with demos 100. */
const needsDemos = () =>
  qaLM((_q, request) => (request.messages.length > 2 ? undefined : { answer: 'no idea' }));

const search = (options: Partial<RandomSearchOptions>, logger = recordingLogger()) =>
  context(
    { logger },
    () => new BootstrapFewShotWithRandomSearch({ metric: exactMatch, displayProgress: false, ...options }),
  );

const compile = (
  optimizer: BootstrapFewShotWithRandomSearch,
  extra: object = {},
  logger = recordingLogger(),
) =>
  context({ lm: needsDemos(), logger }, () =>
    optimizer.compile(new Predict('question -> answer'), { trainset: qaSet(6), ...extra }),
  );

describe('BootstrapFewShotWithRandomSearch', () => {
  it('announces its plan when constructed', () => {
    const logger = recordingLogger();
    search({ maxBootstrappedDemos: 3, numCandidatePrograms: 5 }, logger);
    expect(logger.infos).toEqual([
      'Going to sample between 1 and 3 traces per predictor.',
      'Will attempt to bootstrap 5 candidate sets.',
    ]);
  });

  it('tries zero-shot, labeled, unshuffled and seeded candidates and returns the first best', async () => {
    const logger = recordingLogger();
    const optimizer = search({ numCandidatePrograms: 2, maxLabeledDemos: 2 });
    const best = await compile(optimizer, {}, logger);
    const candidates = best.candidatePrograms;
    expect(candidates.map((c) => c.seed)).toEqual([-2, -1, 0, 1, -3]);
    expect(candidates.map((c) => c.score)).toEqual([100, 100, 100, 100, 0]);
    expect(candidates[4]!.subscores).toEqual([false, false, false, false, false, false]);
    expect(best).toBe(candidates[0]!.program);
    expect(best.demos).toHaveLength(2);
    expect(logger.infos).toContain('New best score: 0 for seed -3');
    expect(logger.infos).toContain('New best score: 100 for seed -2');
    expect(logger.infos).not.toContain('New best score: 100 for seed -1');
    expect(logger.infos).toContain('Scores so far: [0, 100, 100, 100, 100]');
    expect(logger.infos.at(-1)).toBe('5 candidate programs found.');
    expect(optimizer.candidatePrograms).toBe(candidates);
  });

  it('hides the candidates from module discovery and state', async () => {
    const best = await compile(search({ numCandidatePrograms: 0 }));
    expect(Object.keys(best)).not.toContain('candidatePrograms');
    expect(best.namedPredictors().map(([name]) => name)).toEqual(['self']);
  });

  it('draws 1..maxBootstrappedDemos traces per seeded candidate (Python: seed 0 -> 4, seed 1 -> 2)', async () => {
    const best = await context({ lm: qaLM(), logger: recordingLogger() }, () =>
      search({ numCandidatePrograms: 2, maxLabeledDemos: 0 }).compile(new Predict('question -> answer'), {
        trainset: qaSet(8),
        restrict: [0, 1],
      }),
    );
    const bootstrapped = Object.fromEntries(
      best.candidatePrograms.map((c) => [c.seed, c.program.demos.length]),
    );
    expect(bootstrapped).toEqual({ 0: 4, 1: 2 });
  });

  it('stops early once a candidate reaches stopAtScore', async () => {
    const logger = recordingLogger();
    const best = await compile(search({ numCandidatePrograms: 4, stopAtScore: 90 }), {}, logger);
    expect(best.candidatePrograms.map((c) => c.seed)).toEqual([-2, -3]);
    expect(logger.infos).toContain('Stopping early because score 100 is >= stop_at_score 90');
  });

  it('only runs the restricted seeds, and refuses a restriction that matches none', async () => {
    const best = await compile(search({ numCandidatePrograms: 3 }), { restrict: [-1, 2, 99] });
    expect(best.candidatePrograms.map((c) => c.seed).sort()).toEqual([-1, 2]);
    await expect(compile(search({ numCandidatePrograms: 3 }), { restrict: [7] })).rejects.toThrow(
      '`restrict` {7} does not match any candidate seed in range(-3, 3); no candidate programs would be evaluated.',
    );
  });

  it('scores on the valset when one is given', async () => {
    const best = await compile(search({ numCandidatePrograms: 0 }), { valset: qaSet(3, 10) });
    expect(best.candidatePrograms[0]!.subscores).toHaveLength(3);
  });

  it('needs a metric and an uncompiled student', async () => {
    expect(() => new BootstrapFewShotWithRandomSearch({} as never)).toThrow(ConfigurationError);
    const best = await compile(search({ numCandidatePrograms: 0 }), { restrict: [-1] });
    expect(best.compiled).toBe(true);
    await expect(
      context({ lm: qaLM(), logger: recordingLogger() }, () =>
        search({ numCandidatePrograms: 0 }).compile(best, { trainset: qaSet(2) }),
      ),
    ).rejects.toThrow('Student must be uncompiled.');
  });
});
