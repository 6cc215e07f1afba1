import { context, Predict } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShot } from '../src/index.js';
import { exactMatch, fieldOf, qaLM, qaSet, recordingLogger } from './support/helpers.js';

// DSPy runs rounds after the first on `lm.copy(rollout_id=round, temperature=1.0)`: a copy with its
// own history, so the configured LM's history holds only the first round's calls.
describe('BootstrapFewShot rounds after the first', () => {
  it("keep the configured DummyLM's history to the first round's calls", async () => {
    // q0 is answered wrong at temperature 0 and right on the retry.
    const lm = qaLM((question, request) =>
      question === 'q0?' && request.temperature !== 1 ? { answer: 'wrong' } : undefined,
    );
    await context({ lm, logger: recordingLogger() }, () =>
      new BootstrapFewShot({ metric: exactMatch, maxRounds: 2, maxLabeledDemos: 0, concurrency: 1 }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(2) },
      ),
    );
    expect(lm.requests.map((r) => [fieldOf(r, 'question'), r.temperature, r.extra?.rollout_id])).toEqual([
      ['q0?', undefined, undefined],
      ['q0?', 1, 1],
      ['q1?', undefined, undefined],
    ]);
    expect(lm.history.map((entry) => [entry.request.temperature, entry.request.rollout_id])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });
});
