import { History, type HistoryMessage } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { echoPredict } from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const viewCalls = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls as [readonly HistoryMessage[], number, number][];

describe('snapshots share structure (STYLE: O(n) memory for n turns)', () => {
  it('makes every snapshot a view over one shared backing array', async () => {
    const spy = vi.spyOn(History, 'view');
    const session = sessionify(echoPredict().predict);
    for (let i = 0; i < 100; i++) await session.call({ question: `Q${i}` });
    const calls = viewCalls(spy);
    expect(calls).toHaveLength(100);
    const backing = calls[0]![0];
    expect(calls.every(([b]) => b === backing)).toBe(true);
    expect(calls.map(([, start, end]) => [start, end])).toEqual(
      Array.from({ length: 100 }, (_, i) => [0, i]),
    );
    expect(session.sessionHistory.length).toBe(100);
    expect(backing).toHaveLength(100);
    expect(session.turns[42]!.historySnapshot.messages).toEqual(backing.slice(0, 42));
    expect(Object.isFrozen(backing[0])).toBe(true);
  });

  it('windows with maxTurns by moving the view start, not by copying', async () => {
    const spy = vi.spyOn(History, 'view');
    const session = sessionify(echoPredict().predict, { maxTurns: 3 });
    for (let i = 0; i < 10; i++) await session.call({ question: `Q${i}` });
    const calls = viewCalls(spy);
    expect(new Set(calls.map(([b]) => b)).size).toBe(1);
    expect(calls.at(-1)!.slice(1)).toEqual([6, 9]);
  });

  it('never overwrites entries an older snapshot views: a pop then a call starts a new backing', async () => {
    const spy = vi.spyOn(History, 'view');
    const session = sessionify(echoPredict().predict);
    for (let i = 0; i < 5; i++) await session.call({ question: `Q${i}` });
    const oldBacking = viewCalls(spy).at(-1)![0];
    const oldSnapshot = session.turns[4]!.historySnapshot;
    session.undo(3);
    await session.call({ question: 'X' });
    await session.call({ question: 'Y' });
    const newBacking = viewCalls(spy).at(-1)![0];
    expect(newBacking).not.toBe(oldBacking);
    expect(oldBacking.map((m) => m.question)).toEqual(['Q0', 'Q1', 'Q2', 'Q3']);
    expect(oldSnapshot.messages.map((m) => m.question)).toEqual(['Q0', 'Q1', 'Q2', 'Q3']);
    expect(newBacking.map((m) => m.question)).toEqual(['Q0', 'Q1', 'X']);
  });

  it('keeps the backing bounded when maxStoredTurns drops old turns', async () => {
    const spy = vi.spyOn(History, 'view');
    const session = sessionify(echoPredict().predict, { maxStoredTurns: 5 });
    for (let i = 0; i < 1000; i++) await session.call({ question: `Q${i}` });
    const [backing, start, end] = viewCalls(spy).at(-1)!;
    expect(end - start).toBe(5);
    expect(backing.length).toBeLessThan(200);
    expect(session.sessionHistory.messages.map((m) => m.question)).toEqual([
      'Q995',
      'Q996',
      'Q997',
      'Q998',
      'Q999',
    ]);
  });

  it('reuses the backing when loading a saved session', async () => {
    const session = sessionify(echoPredict().predict);
    for (let i = 0; i < 20; i++) await session.call({ question: `Q${i}` });
    const spy = vi.spyOn(History, 'view');
    const { Session } = await import('@dspy-ts/session');
    const loaded = Session.fromState(session.saveState(), echoPredict().predict);
    const calls = viewCalls(spy);
    expect(new Set(calls.map(([b]) => b)).size).toBe(1);
    expect(loaded.turns[19]!.historySnapshot.messages).toEqual(session.turns[19]!.historySnapshot.messages);
  });
});
