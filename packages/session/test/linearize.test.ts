import { type Example, type History, InputError, Module, Prediction } from '@dspy-ts/core';
import { Session, SessionStateError, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { echoPredict, fakePredict } from './support.js';

const good = (_ex: Example, pred: Prediction) => (String(pred.answer).startsWith('good') ? 1 : 0);

async function withAnswers(...answers: string[]) {
  const session = sessionify(
    fakePredict(
      'question -> answer',
      answers.map((answer) => ({ answer })),
    ).predict,
  );
  for (const [i] of answers.entries()) await session.call({ question: `Q${i + 1}` });
  return session;
}

describe('linearization into examples', () => {
  it('turns two turns into two examples with their snapshots', async () => {
    const session = await withAnswers('A', 'A');
    const [ex0, ex1] = await session.toExamples();
    expect(ex0!.keys()).toEqual(['question', 'history', 'answer']);
    expect((ex0!.history as History).messages).toEqual([]);
    expect(ex0!.inputs().keys()).toEqual(['question', 'history']);
    expect((ex1!.history as History).messages).toEqual([{ question: 'Q1', answer: 'A' }]);
    expect(ex1!.history).toBe(session.turns[1]!.historySnapshot);
  });

  it('includeHistory: false leaves out the history key', async () => {
    const session = await withAnswers('A');
    const [ex] = await session.toExamples({ includeHistory: false });
    expect(ex!.keys()).toEqual(['question', 'answer']);
    expect(ex!.inputs().keys()).toEqual(['question']);
  });

  it('puts outputs in labels and not in inputs', async () => {
    const [ex] = await (await withAnswers('A')).toExamples();
    expect(ex!.labels().keys()).toEqual(['answer']);
    expect(ex!.inputs().keys()).not.toContain('answer');
  });

  it('metric with minScore keeps only good turns', async () => {
    const session = await withAnswers('good', 'bad', 'good');
    const examples = await session.toExamples({ metric: good, minScore: 0.5 });
    expect(examples.map((e) => e.question)).toEqual(['Q1', 'Q3']);
    expect(session.turns.map((t) => t.score)).toEqual([1, 0, 1]);
  });

  it('a score equal to minScore passes', async () => {
    const session = await withAnswers('good');
    expect(await session.toExamples({ metric: () => 0.5, minScore: 0.5 })).toHaveLength(1);
  });

  it('strictTrajectory stops at the first failing turn', async () => {
    const four = await withAnswers('good', 'good', 'bad', 'good');
    expect(await four.toExamples({ metric: good, minScore: 0.5, strictTrajectory: true })).toHaveLength(2);
    const three = await withAnswers('good', 'bad', 'good');
    expect(await three.toExamples({ metric: good, minScore: 0.5, strictTrajectory: true })).toHaveLength(1);
    expect(await three.toExamples({ metric: good, minScore: 0.5 })).toHaveLength(2);
  });

  it('minScore without any scores gives []', async () => {
    const session = await withAnswers('good', 'good');
    expect(await session.toExamples({ minScore: 0 })).toEqual([]);
  });

  it('minScore without metric uses the scores of an earlier score() call', async () => {
    const session = await withAnswers('good', 'bad');
    await session.score(good);
    expect((await session.toExamples({ minScore: 1 })).map((e) => e.question)).toEqual(['Q1']);
  });

  it('metric without minScore scores every turn but keeps them all', async () => {
    const session = await withAnswers('good', 'bad');
    expect(await session.toExamples({ metric: good })).toHaveLength(2);
    expect(session.turns.map((t) => t.score)).toEqual([1, 0]);
  });

  it('requireOutputs drops turns with empty outputs (and can be turned off)', async () => {
    class Maybe extends Module {
      async forward({ question }: { question: string }) {
        return question === 'empty' ? new Prediction({}) : new Prediction({ answer: 'A' });
      }
    }
    const session = sessionify(new Maybe());
    await session.call({ question: 'Q1' });
    await session.call({ question: 'empty' });
    expect((await session.toExamples()).map((e) => e.question)).toEqual(['Q1']);
    expect(await session.toExamples({ requireOutputs: false })).toHaveLength(2);
  });

  it('keeps excluded input fields in examples', async () => {
    const session = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, {
      excludeFields: ['context'],
    });
    await session.call({ context: 'c', question: 'Q' });
    const [ex] = await session.toExamples();
    expect(ex!.keys()).toEqual(['context', 'question', 'history', 'answer']);
  });

  it('toTrainset is the same as toExamples; an empty session gives []', async () => {
    const session = await withAnswers('A', 'B');
    expect((await session.toTrainset()).map((e) => e.toDict())).toEqual(
      (await session.toExamples()).map((e) => e.toDict()),
    );
    expect(await sessionify(echoPredict().predict).toExamples()).toEqual([]);
  });

  it('mergeExamples concatenates sessions in order', async () => {
    const s1 = await withAnswers('A');
    const s2 = sessionify(echoPredict().predict);
    await s2.call({ question: 'B1' });
    await s2.call({ question: 'B2' });
    const merged = await Session.mergeExamples([s1, s2]);
    expect(merged.map((e) => e.question)).toEqual(['Q1', 'B1', 'B2']);
    expect(await Session.mergeExamples([])).toEqual([]);
  });

  it('uses each session its own history field in mergeExamples', async () => {
    const s1 = sessionify(echoPredict().predict, { historyField: 'chat' });
    await s1.call({ question: 'Q' });
    const [ex] = await Session.mergeExamples([s1]);
    expect(ex!.keys()).toEqual(['question', 'chat', 'answer']);
  });

  it('throws SessionStateError for a key that is both input and output', async () => {
    const session = sessionify(echoPredict().predict);
    session.addTurn({ inputs: { answer: 'x' }, outputs: { answer: 'y' } });
    await expect(session.toExamples()).rejects.toThrow(SessionStateError);
  });

  it('rejects unknown or mistyped options', async () => {
    const session = await withAnswers('A');
    await expect(session.toExamples({ min_score: 1 } as never)).rejects.toThrow(InputError);
    await expect(session.toExamples({ includeHistory: 'no' } as never)).rejects.toThrow(InputError);
  });
});
