import { context, Example, History, MetricError, type Prediction } from '@dspy-ts/core';
import { SessionStateError, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { captureLogger, echoPredict } from './support.js';

async function session3(options: Parameters<typeof sessionify>[1] = {}) {
  const session = sessionify(echoPredict().predict, options);
  for (const question of ['Q1', 'Q2', 'Q3']) await session.call({ question });
  return session;
}

describe('scoring', () => {
  it('stores 1/0 scores on each turn and returns them in order', async () => {
    const session = await session3();
    const scores = await session.score((_ex, pred) => (pred.answer === 'A:Q2' ? 0 : 1));
    expect(scores).toEqual([1, 0, 1]);
    expect(session.turns.map((t) => t.score)).toEqual([1, 0, 1]);
  });

  it('self-evaluates with the outputs and the history in the example', async () => {
    const session = await session3();
    const examples: Example[] = [];
    await session.score((example) => {
      examples.push(example);
      return 1;
    });
    expect(examples[1]!.answer).toBe('A:Q2');
    expect(examples[1]!.history).toBeInstanceOf(History);
    expect((examples[1]!.history as History).messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
    expect(examples[1]!.inputs().keys()).toEqual(['question', 'history']);
    expect(examples[1]!.labels().keys()).toEqual(['answer']);
  });

  it("logs and scores 0 when the metric throws under 'zero'", async () => {
    const session = sessionify(echoPredict().predict);
    await session.call({ question: 'Q1' });
    const logger = captureLogger();
    const scores = await context({ logger }, () =>
      session.score(() => {
        throw new Error('metric exploded');
      }),
    );
    expect(scores).toEqual([0]);
    expect(logger.warnings).toEqual(['Metric error on turn 0: metric exploded']);
  });

  it("re-throws the metric's own error under 'raise', after scoring earlier turns", async () => {
    const session = await session3({ onMetricError: 'raise' });
    const boom = new RangeError('bad turn');
    const metric = (_ex: Example, pred: Prediction) => {
      if (pred.answer === 'A:Q2') throw boom;
      return 0.5;
    };
    await expect(session.score(metric)).rejects.toBe(boom);
    expect(session.turns.map((t) => t.score)).toEqual([0.5, undefined, undefined]);
  });

  it('coerces booleans to 1/0 and undefined/null to 0', async () => {
    const session = await session3();
    const values: unknown[] = [true, false, undefined];
    expect(await session.score(() => values.shift() as boolean)).toEqual([1, 0, 0]);
    const nulls = await session.score(() => null);
    expect(nulls).toEqual([0, 0, 0]);
  });

  it.each([
    ['a string', '0.5'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('treats %s as a metric failure', async (_what, value) => {
    const zero = sessionify(echoPredict().predict);
    await zero.call({ question: 'Q1' });
    const logger = captureLogger();
    expect(await context({ logger }, () => zero.score(() => value as number))).toEqual([0]);
    expect(logger.warnings[0]).toMatch(/^Metric error on turn 0: /);

    const raise = sessionify(echoPredict().predict, { onMetricError: 'raise' });
    await raise.call({ question: 'Q1' });
    await expect(raise.score(() => value as number)).rejects.toThrow(MetricError);
  });

  it('calls the metric exactly once per turn with three arguments, awaiting async metrics', async () => {
    const session = await session3();
    const argCounts: number[] = [];
    const scores = await session.score(async function (this: unknown, ...args: unknown[]) {
      argCounts.push(args.length);
      await Promise.resolve();
      return 0.25;
    });
    expect(argCounts).toEqual([3, 3, 3]);
    expect(scores).toEqual([0.25, 0.25, 0.25]);
  });

  it('passes the same gold example for every turn', async () => {
    const session = await session3();
    const gold = new Example({ question: 'G', answer: 'gold' }).withInputs('question');
    const seen: Example[] = [];
    await session.score((example) => {
      seen.push(example);
      return 1;
    }, gold);
    expect(seen).toEqual([gold, gold, gold]);
    expect(seen.every((e) => e === gold)).toBe(true);
  });

  it('aligns a gold array by turn index and rejects a length mismatch', async () => {
    const session = await session3();
    const golds = ['A:Q1', 'x', 'A:Q3'].map((answer) => new Example({ answer }));
    expect(await session.score((ex, pred) => ex.answer === pred.answer, golds)).toEqual([1, 0, 1]);
    await expect(session.score(() => 1, golds.slice(1))).rejects.toThrow(/one Example per turn/);
  });

  it('rejects a metric that is not a function', async () => {
    const session = await session3();
    await expect(session.score('exact' as never)).rejects.toThrow(MetricError);
  });

  it('throws SessionStateError when a key is both input and output', async () => {
    const session = sessionify(echoPredict().predict);
    session.addTurn({ inputs: { answer: 'in' }, outputs: { answer: 'out' } });
    await expect(session.score(() => 1)).rejects.toThrow(SessionStateError);
    await expect(session.score(() => 1)).rejects.toThrow(/Turn 0 has 'answer'/);
  });

  it('gives [] for an empty session', async () => {
    expect(await sessionify(echoPredict().predict).score(() => 1)).toEqual([]);
  });
});
