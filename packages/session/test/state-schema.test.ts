import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Predict } from '@dspy-ts/core';
import { SessionStateError } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { FileStore, Session, SessionState } from '../src/index.js';

const deepArray = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

const turn = (index: number, extra: Record<string, unknown> = {}) => ({
  index,
  inputs: { question: `Q${index}` },
  outputs: { answer: `A${index}` },
  history_snapshot: { messages: [] },
  score: null,
  ...extra,
});

const stateJson = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  turns: [turn(0)],
  initial_history: null,
  l2_memory: '',
  node_states: {},
  ...extra,
});

const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
};

describe('the SessionState schema', () => {
  it.each([
    ['an object l2_memory', { l2_memory: { note: 'x' } }, 'l2_memory'],
    ['an array l2_memory', { l2_memory: ['a', 'b'] }, 'l2_memory'],
    ['a malformed initial_history', { initial_history: { messages: 'x' } }, 'initial_history.messages'],
    ['a list as initial_history', { initial_history: [{}] }, 'initial_history'],
    [
      'a malformed history_snapshot',
      { turns: [turn(0, { history_snapshot: 'bad' })] },
      'turns[0].history_snapshot',
    ],
    ['a malformed node state', { node_states: { a: 'skip' } }, 'node_states.a'],
    ['a negative turn index', { turns: [turn(-1)] }, 'turns[0].index'],
    ['a duplicate turn index', { turns: [turn(0), turn(0)] }, 'turns[1].index'],
    ['an infinite-looking score', { turns: [turn(0, { score: 'high' })] }, 'turns[0].score'],
    [
      'an error inside a node state',
      { node_states: { a: { turns: [turn(0, { index: 'x' })] } } },
      'node_states.a.turns[0].index',
    ],
  ])('rejects %s with a SessionStateError at its JSON path', (_what, extra, path) => {
    const error = errorOf(() => SessionState.fromDict(stateJson(extra)));
    expect(error).toBeInstanceOf(SessionStateError);
    expect(error.message).toContain(`at ${path}:`);
  });

  it('reads what Python omits: index from position, empty snapshot, no l2_memory, a numeric l2_memory as text', () => {
    const state = SessionState.fromDict({ turns: [{ inputs: { q: 1 } }, { index: 7 }], l2_memory: 42 });
    expect(state.turns.map((t) => t.index)).toEqual([0, 7]);
    expect(state.turns[1]!.historySnapshot.length).toBe(0);
    expect(state.l2Memory).toBe('42');
  });

  it('reports an error in a saved session file node state at its path', () => {
    const saved = { version: 2, turns: [], node_states: { a: { turns: [turn(0), turn(0)] } } };
    const error = errorOf(() => Session.fromState(saved, new Predict('question -> answer')));
    expect(error).toBeInstanceOf(SessionStateError);
    expect(error.message).toContain('at node_states.a.turns[1].index');
  });

  it('rejects a duplicate or negative turn index in a saved session file', () => {
    const dup = { version: 2, turns: [turn(1), turn(1)] };
    expect(() => Session.fromState(dup, new Predict('question -> answer'))).toThrow(/turns\[1\]\.index/);
    const negative = { version: 2, turns: [turn(-2)] };
    expect(() => Session.fromState(negative, new Predict('question -> answer'))).toThrow(SessionStateError);
  });
});

describe('deeply nested state', () => {
  it('is a SessionStateError, never a RangeError, in SessionState.fromDict', () => {
    const error = errorOf(() =>
      SessionState.fromDict(stateJson({ turns: [turn(0, { inputs: { x: deepArray(3500) } })] })),
    );
    expect(error).toBeInstanceOf(SessionStateError);
    expect(error.message).toContain('deeper than');
  });

  it('is a SessionStateError in deeply nested node states', () => {
    let state: Record<string, unknown> = stateJson();
    for (let i = 0; i < 3000; i++) state = stateJson({ node_states: { n: state } });
    expect(errorOf(() => SessionState.fromDict(state))).toBeInstanceOf(SessionStateError);
  });

  it('is a SessionStateError in Session.loadFrom', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-deep-'));
    const path = join(dir, 'session.json');
    await writeFile(
      path,
      `{"version": 2, "turns": [{"index": 0, "inputs": {"x": ${'['.repeat(5000)}${']'.repeat(5000)}}, "outputs": {}}]}`,
    );
    await expect(Session.loadFrom(path, new Predict('question -> answer'))).rejects.toBeInstanceOf(
      SessionStateError,
    );
  });

  it('is a SessionStateError in FileStore.get', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-deep-store-'));
    const store = new FileStore({ dir });
    await store.put('alice', stateJson({ turns: [turn(0, { inputs: { x: 'MARK' } })] }) as never);
    const file = join(dir, 'alice.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"MARK"', `${'['.repeat(4000)}${']'.repeat(4000)}`));
    await expect(store.get('alice')).rejects.toBeInstanceOf(SessionStateError);
  });

  it('loads state nested within the limit', () => {
    const state = SessionState.fromDict(stateJson({ turns: [turn(0, { inputs: { x: deepArray(500) } })] }));
    expect(state.turns).toHaveLength(1);
  });
});
