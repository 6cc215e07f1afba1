import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, context, History, InputError, Module } from '@dspy-ts/core';
import { type Session, SessionState, SessionStateError, sessionify, type Turn } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { captureLogger, deferred, echoPredict, messagesOf } from './support.js';

describe('onTurn', () => {
  it('fires once per recorded turn with (turn, session), after the append', async () => {
    const seen: [number, unknown, unknown, number][] = [];
    const session = sessionify(echoPredict().predict, {
      onTurn: (turn: Turn, s: Session) => {
        seen.push([turn.index, turn.inputs.question, turn.outputs.answer, s.turns.length]);
      },
    });
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    await session.call({ question: 'Q3' });
    expect(seen).toEqual([
      [0, 'Q1', 'A:Q1', 1],
      [1, 'Q2', 'A:Q2', 2],
      [2, 'Q3', 'A:Q3', 3],
    ]);
  });

  it('is not called for an override pass-through, addTurn or loading', async () => {
    let count = 0;
    const session = sessionify(echoPredict().predict, { onTurn: () => void count++ });
    await session.call({ question: 'Q', history: new History() });
    session.addTurn({ inputs: { question: 'Q' }, outputs: { answer: 'A' } });
    const { Session } = await import('@dspy-ts/session');
    Session.fromState(session.saveState(), echoPredict().predict, { onTurn: () => void count++ });
    expect(count).toBe(0);
  });

  it('logs an error thrown or rejected by the hook and keeps the turn', async () => {
    const logger = captureLogger();
    const hooks = [
      () => {
        throw new Error('sync boom');
      },
      async () => {
        throw new Error('async boom');
      },
    ];
    for (const onTurn of hooks) {
      const session = sessionify(echoPredict().predict, { onTurn });
      const result = await context({ logger }, () => session.call({ question: 'Q' }));
      expect(result).toBeDefined();
      expect(session.length).toBe(1);
    }
    expect(logger.warnings).toEqual([
      'on_turn callback error: sync boom',
      'on_turn callback error: async boom',
    ]);
  });

  it('awaits an async hook before the call returns, and a fork shares the hook', async () => {
    const gate = deferred();
    const order: string[] = [];
    const onTurn = async (turn: Turn) => {
      await gate.promise;
      order.push(`hook ${String(turn.inputs.question)}`);
    };
    const session = sessionify(echoPredict().predict, { onTurn });
    const call = session.call({ question: 'Q1' }).then(() => order.push('returned'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    gate.resolve();
    await call;
    expect(order).toEqual(['hook Q1', 'returned']);
    const fork = session.fork();
    expect(fork.options.onTurn).toBe(onTurn);
    await fork.call({ question: 'F' });
    expect(order.at(-1)).toBe('hook F');
  });
});

describe('maxStoredTurns and copyMode', () => {
  it('maxStoredTurns 3 over 8 calls keeps Q5..Q7 with continuing indexes', async () => {
    const session = sessionify(echoPredict().predict, { maxStoredTurns: 3 });
    for (let i = 0; i < 8; i++) await session.call({ question: `Q${i}` });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Q5', 'Q6', 'Q7']);
    expect(session.turns.map((t) => t.index)).toEqual([5, 6, 7]);
    expect(session.sessionHistory.messages.map((m) => m.question)).toEqual(['Q5', 'Q6', 'Q7']);
    // Q7 ran before the trim, with Q4..Q6 stored.
    expect(session.turns[2]!.historySnapshot.messages.map((m) => m.question)).toEqual(['Q4', 'Q5', 'Q6']);
  });

  it('maxStoredTurns with a seed keeps the seed before the stored turns', async () => {
    const seed = new History([{ question: 'S' }]);
    const session = sessionify(echoPredict().predict, { maxStoredTurns: 2, initialHistory: seed });
    for (let i = 0; i < 5; i++) await session.call({ question: `Q${i}` });
    expect(session.sessionHistory.messages.map((m) => m.question)).toEqual(['S', 'Q3', 'Q4']);
  });

  it("copyMode 'none' keeps the module object; 'shallow' and 'deep' give another one", () => {
    const module = echoPredict().predict;
    expect(sessionify(module, { copyMode: 'none' }).module).toBe(module);
    expect(sessionify(echoPredict().predict, { copyMode: 'shallow' }).module).not.toBe(module);
    expect(sessionify(echoPredict().predict, { copyMode: 'deep' }).module).not.toBe(module);
    expect(() => sessionify(module, { copyMode: 'copy' as never })).toThrow(ConfigurationError);
  });

  it("copyMode 'shallow' shares nested predictors with the caller module", () => {
    class Agent extends Module {
      gen = echoPredict().predict;
      async forward() {
        return {};
      }
    }
    const agent = new Agent();
    const session = sessionify(agent, { copyMode: 'shallow' });
    expect(session.module).not.toBe(agent);
    expect((session.module as Agent).gen).toBe(agent.gen);
    expect(Object.keys(agent.gen.signature.inputFields)).toEqual(['question', 'history']);
  });
});

describe('per-user state', () => {
  it('useState keeps alice, bob and the default state apart', async () => {
    const session = sessionify(echoPredict().predict);
    const alice = session.newState();
    const bob = session.newState();
    await session.useState(alice, async () => {
      await session.call({ question: 'alice-1' });
      await session.call({ question: 'alice-2' });
    });
    await session.useState(bob, () => session.call({ question: 'bob-1' }));
    expect(alice.length).toBe(2);
    expect(bob.length).toBe(1);
    expect(session.length).toBe(0);
    expect(alice.turns[1]!.historySnapshot.messages.map((m) => m.question)).toEqual(['alice-1']);
  });

  it('keeps concurrent scopes with interleaved awaits isolated', async () => {
    const { predict, calls } = echoPredict();
    const session = sessionify(predict);
    const states = { alice: session.newState(), bob: session.newState() };
    const gates = [deferred(), deferred()];
    await Promise.all(
      (['alice', 'bob'] as const).map((user, u) =>
        session.useState(states[user], async () => {
          await session.call({ question: `${user}-1` });
          gates[u]!.resolve();
          await gates[1 - u]!.promise;
          await session.call({ question: `${user}-2` });
          expect(session.length).toBe(2);
        }),
      ),
    );
    expect(states.alice.turns.map((t) => t.inputs.question)).toEqual(['alice-1', 'alice-2']);
    expect(states.bob.turns.map((t) => t.inputs.question)).toEqual(['bob-1', 'bob-2']);
    const second = calls.filter((c) => String(c.question).endsWith('-2'));
    for (const call of second) {
      const user = String(call.question).split('-')[0];
      expect(messagesOf(call)?.map((m) => m.question)).toEqual([`${user}-1`]);
    }
    expect(session.length).toBe(0);
  });

  it('acts on the active state for reset, addTurn, undo, score, toExamples, saveState and fork', async () => {
    const session = sessionify(echoPredict().predict);
    await session.call({ question: 'default' });
    const state = session.newState();
    await session.useState(state, async () => {
      session.addTurn({ inputs: { question: 'u1' }, outputs: { answer: 'a' } });
      await session.call({ question: 'u2' });
      expect(await session.score(() => 1)).toEqual([1, 1]);
      expect(await session.toExamples()).toHaveLength(2);
      expect(session.saveState().turns).toHaveLength(2);
      const fork = session.fork();
      expect(fork.length).toBe(2);
      session.undo(1);
      session.reset();
    });
    expect(state.length).toBe(0);
    expect(session.length).toBe(1);
  });

  it('newState defaults its seed to the default state seed, and binds nest', async () => {
    const seed = new History([{ question: 'S' }]);
    const session = sessionify(echoPredict().predict, { initialHistory: seed });
    const state = session.newState({ l2Memory: 'notes' });
    expect(state.initialHistory).toBe(seed);
    expect(state.l2Memory).toBe('notes');
    const other = sessionify(echoPredict().predict);
    const otherState = other.newState();
    await session.useState(state, () =>
      other.useState(otherState, async () => {
        await session.call({ question: 'a' });
        await other.call({ question: 'b' });
      }),
    );
    expect(state.length).toBe(1);
    expect(otherState.length).toBe(1);
    expect(state.turns[0]!.historySnapshot.messages).toEqual([{ question: 'S' }]);
  });

  it('replace_session acts on the active state only', async () => {
    const session = sessionify(echoPredict().predict, { historyPolicy: 'replace_session' });
    const state = session.newState();
    const seed = new History([{ question: 'new seed' }]);
    await session.useState(state, () => session.call({ question: 'Q', history: seed }));
    expect(state.initialHistory).toBe(seed);
    expect(session.sessionHistory.messages).toEqual([]);
  });

  it('useState rejects a non-SessionState', () => {
    const session = sessionify(echoPredict().predict);
    expect(() => session.useState({ turns: [] } as never, () => 1)).toThrow(InputError);
    expect(() => session.useState({ turns: [] } as never, () => 1)).toThrow(
      'Expected SessionState, got Object.',
    );
  });

  it('toDict/fromDict round-trips turns, seed, l2Memory and nodeStates.worker', async () => {
    const session = sessionify(echoPredict().predict, { initialHistory: new History([{ question: 'S' }]) });
    const state = session.newState({ l2Memory: 'likes tea' });
    await session.useState(state, async () => {
      await session.call({ question: 'Q1' });
      await session.call({ question: 'Q2' });
      await session.score(() => 0.5);
    });
    state.nodeStates.worker = new SessionState({
      turns: [{ inputs: { task: 't' }, outputs: { done: true } }],
    });
    const dict = state.toDict();
    expect(dict.version).toBe(1);
    expect(dict.turns[1]!.history_snapshot).toEqual({
      messages: [{ question: 'S' }, { question: 'Q1', answer: 'A:Q1' }],
    });
    const back = SessionState.fromDict(JSON.parse(JSON.stringify(dict)));
    expect(back.toDict()).toEqual(dict);
    expect(back.l2Memory).toBe('likes tea');
    expect(back.initialHistory!.messages).toEqual([{ question: 'S' }]);
    expect(back.nodeStates.worker!.turns[0]!.outputs).toEqual({ done: true });
    expect(back.turns.map((t) => t.score)).toEqual([0.5, 0.5]);
  });

  it('fromDict is lenient where Python is, strict where it must be', () => {
    const state = SessionState.fromDict({
      turns: [{ inputs: { q: 1 } }, { index: 7, outputs: { a: 2 } }],
      l2_memory: 42,
      node_states: { b: { turns: [] } },
    });
    expect(state.turns.map((t) => t.index)).toEqual([0, 7]);
    expect(state.turns[0]!.outputs).toEqual({});
    expect(state.turns[1]!.historySnapshot.length).toBe(0);
    expect(state.l2Memory).toBe('42');
    expect(Object.keys(state.nodeStates)).toEqual(['b']);
    // Malformed parts are errors, not silently dropped or coerced (issue 18.4).
    expect(() => SessionState.fromDict({ turns: [{ history_snapshot: 'bad' }] })).toThrow(SessionStateError);
    expect(() => SessionState.fromDict({ node_states: { a: 'skip' } })).toThrow(SessionStateError);
    expect(() => SessionState.fromDict({ version: 2 })).toThrow('Unsupported SessionState version: 2');
    expect(() => SessionState.fromDict({ turns: 'x' })).toThrow(SessionStateError);
    expect(() => SessionState.fromDict(JSON.parse('{"turns": [{"inputs": {"__proto__": {}}}]}'))).toThrow(
      SessionStateError,
    );
  });

  it('saves and loads a state file, and one shared program serves loaded states', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-state-'));
    const program = sessionify(echoPredict().predict);
    const alice = program.newState();
    await program.useState(alice, () => program.call({ question: 'Q1' }));
    await alice.save(join(dir, 'alice.json'));
    expect(JSON.parse(await readFile(join(dir, 'alice.json'), 'utf8')).turns).toHaveLength(1);
    const loaded = await SessionState.loadFrom(join(dir, 'alice.json'));
    await program.useState(loaded, () => program.call({ question: 'Q2' }));
    expect(loaded.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
    expect(alice.length).toBe(1);
  });

  it('SessionState.fork copies turns and node states', () => {
    const state = new SessionState({ turns: [{ inputs: { q: [1] }, outputs: {} }], l2Memory: 'm' });
    state.nodeStates.child = new SessionState();
    const copy = state.fork();
    expect(copy.turns[0]).not.toBe(state.turns[0]);
    expect(copy.turns[0]!.inputs.q).not.toBe(state.turns[0]!.inputs.q);
    expect(copy.nodeStates.child).not.toBe(state.nodeStates.child);
    expect(copy.l2Memory).toBe('m');
  });

  it('validates new SessionState arguments', () => {
    expect(() => new SessionState({ initialHistory: [] as never })).toThrow(InputError);
    expect(() => new SessionState({ turns: [{ index: 1.5 }] })).toThrow(InputError);
    expect(new SessionState().length).toBe(0);
  });
});
