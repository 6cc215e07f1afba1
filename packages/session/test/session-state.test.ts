import { History, InputError } from '@dspy-ts/core';
import { SessionState } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';

const turn = (question: string) => ({ inputs: { question }, outputs: { answer: `A:${question}` } });
const questions = (state: SessionState) => state.turns.map((t) => t.inputs.question);
const indexes = (state: SessionState) => state.turns.map((t) => t.index);

/** A session's view of a state: no filter, no fallback seed, no window. */
const view = {
  excludeFields: new Set<string>(),
  historyInputFields: undefined,
  initialHistory: undefined,
  maxTurns: undefined,
};

/** The history a state would have if every message were built from scratch. */
const rebuilt = (state: SessionState) => [
  ...(state.initialHistory?.messages ?? []),
  ...state.turns.map((t) => ({ ...t.inputs, ...t.outputs })),
];

describe('SessionState owns its turns', () => {
  it('exposes turns as a frozen view that only its methods change', () => {
    const state = new SessionState({ turns: [turn('Q0')] });
    const before = state.turns;
    expect(Object.isFrozen(before)).toBe(true);
    expect(() => (before as unknown[]).push(turn('X'))).toThrow(TypeError);
    expect(state.turns).toBe(before);
    state.append(turn('Q1'));
    expect(state.turns).not.toBe(before);
    expect(questions(state)).toEqual(['Q0', 'Q1']);
    expect(before).toHaveLength(1);
  });

  it('numbers appended turns by position, or after the last index under maxStoredTurns', () => {
    const state = SessionState.fromDict({ turns: [{ index: 0 }, { index: 7 }] });
    expect(state.append(turn('a')).index).toBe(2);
    expect(state.nextIndex({ maxStoredTurns: 5 })).toBe(3);
    expect(state.append(turn('b'), { maxStoredTurns: 5 }).index).toBe(3);
  });

  it('drops the oldest turns beyond maxStoredTurns unless trim is false', () => {
    const state = new SessionState();
    for (const q of ['Q0', 'Q1', 'Q2']) state.append(turn(q), { maxStoredTurns: 2 });
    expect(questions(state)).toEqual(['Q1', 'Q2']);
    expect(indexes(state)).toEqual([1, 2]);
    state.append(turn('Q3'), { maxStoredTurns: 2, trim: false });
    expect(indexes(state)).toEqual([1, 2, 3]);
  });

  it('keeps an explicit index and copies and freezes the records', () => {
    const inputs = { question: 'Q', tags: ['a'] };
    const added = new SessionState().append({ index: 4, inputs, outputs: {} });
    inputs.tags.push('b');
    expect(added.index).toBe(4);
    expect(added.inputs).toEqual({ question: 'Q', tags: ['a'] });
    expect(Object.isFrozen(added.inputs)).toBe(true);
    expect(added.historySnapshot.length).toBe(0);
  });

  it('rejects a malformed turn with InputError', () => {
    const state = new SessionState();
    expect(() => state.append({ index: 1.5 })).toThrow(InputError);
    expect(() => state.append({ inputs: 'x' as never })).toThrow(
      'SessionState.append(turn).inputs must be a record.',
    );
    expect(() => state.trim(-1)).toThrow(InputError);
    expect(state.length).toBe(0);
  });

  it('pops the last turn, trims to the last n, and resets turns only', () => {
    const seed = new History([{ question: 'S' }]);
    const state = new SessionState({ initialHistory: seed, l2Memory: 'm' });
    for (const q of ['Q0', 'Q1', 'Q2', 'Q3']) state.append(turn(q));
    expect(state.pop()?.inputs.question).toBe('Q3');
    state.trim(2);
    expect(questions(state)).toEqual(['Q1', 'Q2']);
    state.trim(5);
    expect(state.length).toBe(2);
    state.reset();
    expect(state.length).toBe(0);
    expect(state.pop()).toBeUndefined();
    expect(state.initialHistory).toBe(seed);
    expect(state.l2Memory).toBe('m');
  });

  it('keeps its history messages in step with append, pop, trim, reset and a new seed', () => {
    const state = new SessionState();
    const expectInStep = () => expect(state.history(view).messages).toEqual(rebuilt(state));
    expectInStep();
    for (const q of ['Q0', 'Q1', 'Q2', 'Q3']) state.append(turn(q));
    expectInStep();
    state.pop();
    expectInStep();
    state.append(turn('Q4'));
    expectInStep();
    state.trim(2);
    expectInStep();
    state.initialHistory = new History([{ question: 'S' }]);
    expectInStep();
    state.trim(1);
    expectInStep();
    state.reset();
    expectInStep();
    state.append(turn('Q5'));
    expectInStep();
  });

  it('falls back to the view seed and cuts to maxTurns', () => {
    const state = new SessionState();
    for (const q of ['Q0', 'Q1', 'Q2']) state.append(turn(q));
    const seeded = { ...view, initialHistory: new History([{ question: 'S' }]), maxTurns: 3 };
    expect(state.history(seeded).messages.map((m) => m.question)).toEqual(['Q0', 'Q1', 'Q2']);
    expect(state.history({ ...seeded, maxTurns: 4 }).messages.map((m) => m.question)).toEqual([
      'S',
      'Q0',
      'Q1',
      'Q2',
    ]);
  });

  it('keeps old snapshots intact after a pop and an append', () => {
    const state = new SessionState();
    for (const q of ['Q0', 'Q1']) state.append(turn(q));
    const snapshot = state.history(view);
    state.pop();
    state.append(turn('X'));
    expect(snapshot.messages.map((m) => m.question)).toEqual(['Q0', 'Q1']);
    expect(state.history(view).messages.map((m) => m.question)).toEqual(['Q0', 'X']);
  });

  it('rejects a non-History seed and a non-string memory', () => {
    const state = new SessionState();
    expect(() => {
      state.initialHistory = [] as never;
    }).toThrow(InputError);
    expect(() => {
      state.l2Memory = 3 as never;
    }).toThrow(InputError);
  });

  it('fork copies turns with their indexes and scores', () => {
    const state = new SessionState({ turns: [{ index: 3, inputs: { q: 1 }, outputs: {}, score: 0.5 }] });
    const copy = state.fork();
    copy.append(turn('Q'));
    expect(indexes(copy)).toEqual([3, 1]);
    expect(copy.turns[0]!.score).toBe(0.5);
    expect(state.length).toBe(1);
  });
});

describe('SessionState.recordChanges', () => {
  it('is empty until a mutator runs', () => {
    const state = new SessionState({ turns: [turn('Q0')] });
    const changes = state.recordChanges();
    void state.turns;
    void state.history(view);
    expect(changes.isEmpty).toBe(true);
    state.l2Memory = 'x';
    expect(changes.isEmpty).toBe(false);
  });

  it('replays appended turns onto a newer copy, renumbered and capped there', () => {
    const stored = new SessionState({ turns: [turn('Q0'), turn('Q1')] });
    const mine = SessionState.fromDict(stored.toDict());
    const changes = mine.recordChanges();
    const snapshot = mine.history(view);
    mine.append({ ...turn('Q2'), historySnapshot: snapshot }, { maxStoredTurns: 3 });
    // Meanwhile another writer appended Q9 to the stored copy.
    stored.append(turn('Q9'), { maxStoredTurns: 3 });
    changes.replayOnto(stored);
    expect(questions(stored)).toEqual(['Q1', 'Q9', 'Q2']);
    expect(indexes(stored)).toEqual([1, 2, 3]);
    expect(stored.turns[2]!.historySnapshot).toBe(snapshot);
  });

  it('replays a new seed, a reset, a pop, a trim and a new memory in order', () => {
    const stored = new SessionState({ turns: [turn('Q0'), turn('Q1'), turn('Q2')] });
    const mine = stored.fork();
    const changes = mine.recordChanges();
    const seed = new History([{ question: 'S' }]);
    mine.pop();
    mine.trim(1);
    mine.append(turn('Q3'));
    mine.l2Memory = 'notes';
    expect(questions(mine)).toEqual(['Q1', 'Q3']);
    const later = mine.fork();
    const laterChanges = later.recordChanges();
    later.initialHistory = seed;
    later.reset();
    later.append(turn('Q4'));
    changes.replayOnto(stored);
    expect(questions(stored)).toEqual(['Q1', 'Q3']);
    expect(stored.l2Memory).toBe('notes');
    laterChanges.replayOnto(stored);
    expect(questions(stored)).toEqual(['Q4']);
    expect(stored.initialHistory).toBe(seed);
  });

  it('replays node states: changed ones onto the newer copy, a node it lacks put there whole', () => {
    const stored = new SessionState({ nodeStates: { worker: new SessionState({ turns: [turn('W0')] }) } });
    const mine = SessionState.fromDict(stored.toDict());
    mine.nodeStates.idle = new SessionState();
    const changes = mine.recordChanges();
    mine.nodeStates.worker!.append(turn('W1'));
    const planner = mine.nodeState('planner', () => new SessionState());
    planner.append(turn('P0'));
    expect(mine.nodeState('planner', () => new SessionState())).toBe(planner);
    stored.nodeStates.worker!.append(turn('W9'));
    changes.replayOnto(stored);
    expect(questions(stored.nodeStates.worker!)).toEqual(['W0', 'W9', 'W1']);
    expect(stored.nodeStates.planner).toBe(planner);
    expect(stored.nodeStates.idle).toBeUndefined();
  });

  it('counts a node state created but left unchanged as no change', () => {
    const state = new SessionState();
    const changes = state.recordChanges();
    state.nodeState('worker', () => new SessionState());
    expect(changes.isEmpty).toBe(true);
  });
});
