import { ConfigurationError, context, DummyLM, History, Module, Predict, Prediction } from '@dspy-ts/core';
import { type Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { type Calls, deferred, LineAdapter, messagesOf, setForward } from './support.js';

/** A Predict whose fake forward yields to the event loop a few times before answering. */
function slowEcho(ticks = 3): { predict: Predict; calls: Calls } {
  const predict: Predict = new Predict('question -> answer' as string);
  const calls: Calls = [];
  setForward(predict, async (inputs) => {
    calls.push(inputs);
    for (let i = 0; i < ticks; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    return new Prediction({ answer: `A:${String(inputs.question)}` }) as never;
  });
  return { predict, calls };
}

/** Each snapshot holds exactly the turns before it, in order. */
function expectConsistent(session: Session): void {
  for (const [i, turn] of session.turns.entries()) {
    expect(turn.index).toBe(i);
    expect(turn.historySnapshot.messages).toEqual(
      session.turns.slice(0, i).map((t) => ({ ...t.inputs, ...t.outputs })),
    );
  }
}

describe('locks and concurrency', () => {
  it("lock 'async': acall works and concurrent calls run in invocation order", async () => {
    const session = sessionify(slowEcho().predict, { lock: 'async' });
    await session.acall({ question: 'first' });
    session.reset();
    await Promise.all(Array.from({ length: 5 }, (_, i) => session.call({ question: `Q${i}` })));
    expect(session.turns.map((t) => t.historySnapshot.length)).toEqual([0, 1, 2, 3, 4]);
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Q0', 'Q1', 'Q2', 'Q3', 'Q4']);
  });

  it("lock 'thread' behaves like 'async'", async () => {
    const session = sessionify(slowEcho().predict, { lock: 'thread' });
    await Promise.all([session.call({ question: 'a' }), session.forward({ question: 'b' })]);
    expect(session.turns.map((t) => t.historySnapshot.length)).toEqual([0, 1]);
  });

  it("lock 'none': overlapping calls both see an empty history, indexed in completion order", async () => {
    const gates = [deferred(), deferred()];
    const predict = new Predict('question -> answer');
    let n = 0;
    setForward(predict, async (inputs) => {
      await gates[n++]!.promise;
      return new Prediction({ answer: String(inputs.question) }) as never;
    });
    const session = sessionify(predict);
    const first = session.call({ question: 'slow' });
    const second = session.call({ question: 'fast' });
    gates[1]!.resolve();
    await second;
    gates[0]!.resolve();
    await first;
    expect(session.turns.map((t) => [t.inputs.question, t.index, t.historySnapshot.length])).toEqual([
      ['fast', 0, 0],
      ['slow', 1, 0],
    ]);
  });

  it('200 concurrent calls under lock async record 200 turns with consistent snapshots', async () => {
    const session = sessionify(slowEcho(2).predict, { lock: 'async' });
    await Promise.all(Array.from({ length: 200 }, (_, i) => session.call({ question: `Q${i}` })));
    expect(session.length).toBe(200);
    expect(session.turns.map((t) => t.inputs.question)).toEqual(
      Array.from({ length: 200 }, (_, i) => `Q${i}`),
    );
    expectConsistent(session);
  });

  it('500 sessions driven concurrently never see each other history', async () => {
    // The nested predictor gets its history from the ambient context (the forward ignores it).
    class Agent extends Module {
      constructor(readonly gen: Predict) {
        super();
      }
      async forward({ question }: { question: string }) {
        return this.gen.call({ question });
      }
    }
    const doubles = Array.from({ length: 500 }, () => slowEcho(1));
    const sessions = doubles.map(({ predict }) => sessionify(new Agent(predict), { lock: 'async' }));
    await Promise.all(
      sessions.map(async (session, s) => {
        for (let t = 0; t < 3; t++) await session.call({ question: `s${s}-t${t}` });
      }),
    );
    for (const [s, session] of sessions.entries()) {
      const expected = [`s${s}-t0`, `s${s}-t1`, `s${s}-t2`];
      expect(session.sessionHistory.messages.map((m) => m.question)).toEqual(expected);
      expect(doubles[s]!.calls.map((c) => messagesOf(c)?.map((m) => m.question))).toEqual([
        [],
        expected.slice(0, 1),
        expected.slice(0, 2),
      ]);
      expectConsistent(session);
    }
  });

  it('sessions sharing one predictor (copyMode none) each inject their own history concurrently', async () => {
    const { predict, calls } = slowEcho(2);
    class Agent extends Module {
      gen = predict;
      async forward({ question }: { question: string }) {
        return this.gen.call({ question });
      }
    }
    const agent = new Agent();
    const alice = sessionify(agent, { copyMode: 'none' });
    const bob = sessionify(agent, { copyMode: 'none' });
    alice.addTurn({ inputs: { question: 'alice-0' }, outputs: { answer: 'x' } });
    bob.addTurn({ inputs: { question: 'bob-0' }, outputs: { answer: 'y' } });
    await Promise.all([alice.call({ question: 'alice-1' }), bob.call({ question: 'bob-1' })]);
    const byQuestion = Object.fromEntries(
      calls.map((c) => [c.question, messagesOf(c)?.map((m) => m.question)]),
    );
    expect(byQuestion).toEqual({ 'alice-1': ['alice-0'], 'bob-1': ['bob-0'] });
  });

  it('nested sessions publish their own history and restore the outer one', async () => {
    const seenInner: (readonly unknown[] | undefined)[] = [];
    const seenOuterAfter: (readonly unknown[] | undefined)[] = [];
    const innerPredict = new Predict('question -> answer');
    setForward(innerPredict, async (inputs) => {
      seenInner.push(messagesOf(inputs));
      return new Prediction({ answer: 'inner' }) as never;
    });
    const outerPredict = new Predict('question -> answer');
    setForward(outerPredict, async (inputs) => {
      seenOuterAfter.push(messagesOf(inputs));
      return new Prediction({ answer: 'outer' }) as never;
    });
    const inner = sessionify(innerPredict);
    inner.addTurn({ inputs: { question: 'i0' }, outputs: { answer: 'a' } });
    class Outer extends Module {
      gen = outerPredict;
      async forward({ question }: { question: string }) {
        await inner.call({ question });
        return this.gen.call({ question });
      }
    }
    const outer = sessionify(new Outer());
    outer.addTurn({ inputs: { question: 'o0' }, outputs: { answer: 'b' } });
    await outer.call({ question: 'Q' });
    expect(seenInner[0]).toEqual([{ question: 'i0', answer: 'a' }]);
    expect(seenOuterAfter[0]).toEqual([{ question: 'o0', answer: 'b' }]);
  });

  it('a rejected call releases the lock and records nothing', async () => {
    const predict = new Predict('question -> answer');
    setForward(predict, async (inputs) => {
      if (inputs.question === 'bad') throw new Error('fail');
      return new Prediction({ answer: 'ok' }) as never;
    });
    const session = sessionify(predict, { lock: 'async' });
    const results = await Promise.allSettled([
      session.call({ question: 'bad' }),
      session.call({ question: 'good' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['good']);
  });

  it('a re-entrant call to a locked session throws instead of hanging', async () => {
    let session!: Session;
    class Reentrant extends Module {
      async forward({ question }: { question: string }) {
        if (question === 'outer') await session.call({ question: 'inner' });
        return { answer: question };
      }
    }
    session = sessionify(new Reentrant(), { lock: 'async' });
    const error = await session.call({ question: 'outer' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/re-entrant call to a Session with lock 'async'/);
    await session.call({ question: 'after' });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['after']);
  });

  it('synchronous edits act at once while a locked call is in flight', async () => {
    const gate = deferred();
    const predict = new Predict('question -> answer');
    setForward(predict, async () => {
      await gate.promise;
      return new Prediction({ answer: 'late' }) as never;
    });
    const session = sessionify(predict, { lock: 'async' });
    session.addTurn({ inputs: { question: 'Q0' }, outputs: { answer: 'a' } });
    const pending = session.call({ question: 'Q1' });
    await new Promise<void>((resolve) => setImmediate(resolve));
    session.addTurn({ inputs: { question: 'Q-added' }, outputs: { answer: 'b' } });
    gate.resolve();
    await pending;
    expect(session.turns.map((t) => [t.inputs.question, t.index])).toEqual([
      ['Q0', 0],
      ['Q-added', 1],
      ['Q1', 2],
    ]);
    expect(session.turns[2]!.historySnapshot.messages.map((m) => m.question)).toEqual(['Q0']);
  });

  it('pass-through calls queue on the lock and record nothing', async () => {
    const session = sessionify(slowEcho().predict, { lock: 'async' });
    await Promise.all([
      session.call({ question: 'Q1' }),
      session.call({ question: 'replay', history: new History() }),
      session.call({ question: 'Q2' }),
    ]);
    expect(session.turns.map((t) => [t.inputs.question, t.index])).toEqual([
      ['Q1', 0],
      ['Q2', 1],
    ]);
  });

  it('keeps concurrent DummyLM calls through a real adapter isolated', async () => {
    const lm = new DummyLM((request) => ({ answer: `seen ${request.messages.length}` }));
    const sessions = Array.from({ length: 20 }, () => sessionify(new Predict('question -> answer')));
    await context({ lm, adapter: new LineAdapter() }, () =>
      Promise.all(
        sessions.map(async (session, i) => {
          await session.call({ question: `a${i}` });
          await session.call({ question: `b${i}` });
        }),
      ),
    );
    for (const session of sessions) {
      // system + current, then system + 1 history pair + current.
      expect(session.turns.map((t) => t.outputs.answer)).toEqual(['seen 2', 'seen 4']);
    }
  });
});
