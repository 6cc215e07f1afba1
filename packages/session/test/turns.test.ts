import { History, InputError } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { echoPredict } from './support.js';

async function withTurns(...questions: string[]) {
  const { predict, calls } = echoPredict();
  const session = sessionify(predict);
  for (const question of questions) await session.call({ question });
  return { session, calls };
}

describe('turns and editing', () => {
  it('addTurn on an empty session has an empty snapshot and feeds the next call', async () => {
    const { session, calls } = await withTurns();
    const turn = session.addTurn({ inputs: { question: 'Q0' }, outputs: { answer: 'A0' } });
    expect(turn.index).toBe(0);
    expect(turn.historySnapshot.messages).toEqual([]);
    await session.call({ question: 'Q1' });
    expect((calls[0]!.history as History).messages).toEqual([{ question: 'Q0', answer: 'A0' }]);
  });

  it('addTurn keeps unfiltered keys and returns the stored turn', async () => {
    const { session } = await withTurns('Q1');
    const turn = session.addTurn({ inputs: { question: 'Q', extra: 1 }, outputs: { answer: 'A' } });
    expect(session.turns[1]).toBe(turn);
    expect(turn.inputs).toEqual({ question: 'Q', extra: 1 });
    expect(turn.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
  });

  it.each([
    ['non-record inputs', { inputs: 'Q', outputs: {} }],
    ['array outputs', { inputs: {}, outputs: ['A'] }],
    ['a history key in inputs', { inputs: { history: new History() }, outputs: {} }],
    ['a history key in outputs', { inputs: {}, outputs: { history: 'x' } }],
  ])('addTurn rejects %s', async (_what, turn) => {
    const { session } = await withTurns();
    expect(() => session.addTurn(turn as never)).toThrow(InputError);
    expect(session.length).toBe(0);
  });

  it('popTurn returns the last turn and decrements length; undefined when empty', async () => {
    const { session } = await withTurns('Q1', 'Q2');
    const popped = session.popTurn();
    expect(popped!.inputs.question).toBe('Q2');
    expect(session.length).toBe(1);
    session.popTurn();
    expect(session.popTurn()).toBeUndefined();
  });

  it('undo returns removed turns last first and clamps the step count', async () => {
    const { session } = await withTurns('Q1', 'Q2', 'Q3');
    expect(session.undo(2).map((t) => t.inputs.question)).toEqual(['Q3', 'Q2']);
    expect(session.undo(0)).toEqual([]);
    expect(session.undo(-1)).toEqual([]);
    expect(session.length).toBe(1);
    expect(session.undo(99).map((t) => t.inputs.question)).toEqual(['Q1']);
    expect(session.length).toBe(0);
    expect(session.undo().length).toBe(0);
  });

  it('undo rejects a fractional or NaN step count', async () => {
    const { session } = await withTurns('Q1');
    expect(() => session.undo(1.5)).toThrow(InputError);
    expect(() => session.undo(Number.NaN)).toThrow(InputError);
  });

  it('reuses indexes after a pop, and the next history excludes popped turns', async () => {
    const { session, calls } = await withTurns('Q1', 'Q2');
    session.popTurn();
    await session.call({ question: 'Q3' });
    expect(session.turns.map((t) => t.index)).toEqual([0, 1]);
    expect((calls[2]!.history as History).messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
    expect(session.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
  });

  it('keeps old snapshots intact after pop and divergent calls', async () => {
    const { session } = await withTurns('Q1', 'Q2', 'Q3');
    const before = session.turns[2]!.historySnapshot;
    session.undo(2);
    await session.call({ question: 'X' });
    await session.call({ question: 'Y' });
    expect(before.messages.map((m) => m.question)).toEqual(['Q1', 'Q2']);
    expect(session.sessionHistory.messages.map((m) => m.question)).toEqual(['Q1', 'X', 'Y']);
  });

  it('reset clears turns but keeps the seed; the next turn is index 0 with the seed only', async () => {
    const seed = new History([{ question: 'S', answer: 's' }]);
    const session = sessionify(echoPredict().predict, { initialHistory: seed });
    await session.call({ question: 'Q1' });
    session.reset();
    expect(session.length).toBe(0);
    expect(session.sessionHistory.messages).toEqual(seed.messages);
    await session.call({ question: 'Q2' });
    expect(session.turns[0]!.index).toBe(0);
    expect(session.turns[0]!.historySnapshot.messages).toEqual(seed.messages);
  });

  it('reset then call gives turn 0 an empty snapshot', async () => {
    const { session } = await withTurns('Q1', 'Q2');
    session.reset();
    await session.call({ question: 'Q3' });
    expect(session.turns[0]!.index).toBe(0);
    expect(session.turns[0]!.historySnapshot.messages).toEqual([]);
  });

  it('fork copies turns, then both diverge independently', async () => {
    const { session } = await withTurns('Q1');
    const fork = session.fork();
    expect(fork.module).not.toBe(session.module);
    await fork.call({ question: 'F2' });
    expect(fork.length).toBe(2);
    expect(session.length).toBe(1);
    session.reset();
    expect(fork.length).toBe(2);
    expect(fork.turns[0]).not.toBe(session.turns[0]);
  });

  it('fork keeps scores and options, and scoring one does not touch the other', async () => {
    const { session } = await withTurns('Q1');
    await session.score(() => 1);
    const fork = session.fork();
    expect(fork.turns[0]!.score).toBe(1);
    await fork.score(() => 0);
    expect(session.turns[0]!.score).toBe(1);
    expect(fork.options).toEqual(session.options);
  });

  it('turns returns a new array on each access', async () => {
    const { session } = await withTurns('Q1');
    const a = session.turns;
    expect(session.turns).not.toBe(a);
    (a as unknown[]).length = 0;
    expect(session.length).toBe(1);
  });

  it('stores frozen inputs and outputs (edit with popTurn + addTurn)', async () => {
    const { session } = await withTurns('Q1');
    expect(Object.isFrozen(session.turns[0]!.inputs)).toBe(true);
    expect(Object.isFrozen(session.turns[0]!.outputs)).toBe(true);
  });
});
