import { context, DummyLM, Example, type History, Module, Predict, type TraceEntry } from '@dspy-ts/core';
import { Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { LineAdapter } from './support.js';

class Agent extends Module {
  gen = new Predict('question -> answer');
  async forward({ question }: { question: string }) {
    return this.gen.call({ question });
  }
}

const adapter = new LineAdapter();

describe('a Session is a Module', () => {
  it('is a Module whose predictor names are prefixed module', () => {
    const bare = sessionify(new Predict('question -> answer'));
    expect(bare).toBeInstanceOf(Module);
    expect(bare.namedPredictors().map(([name]) => name)).toEqual(['module']);
    const program = sessionify(new Agent());
    expect(program.namedPredictors().map(([name]) => name)).toEqual(['module.gen']);
    expect(program.namedPredictors()[0]![1]).toBe((program.module as Agent).gen);
  });

  it('is discoverable inside an agent as chat.module.gen', () => {
    class Host extends Module {
      chat = sessionify(new Agent());
      other = new Predict('text -> label');
      async forward() {
        return {};
      }
    }
    expect(new Host().namedPredictors().map(([name]) => name)).toEqual(['chat.module.gen', 'other']);
  });

  it('dumps program state with the module. prefix, including the history field', () => {
    const state = sessionify(new Agent()).dumpState();
    expect(Object.keys(state)).toEqual(['module.gen']);
    const fields = (state['module.gen'] as { signature: { fields: unknown[] } }).signature.fields;
    expect(fields).toHaveLength(3);
  });

  it('loads program state saved from the session (loadState inherited)', () => {
    const source = sessionify(new Agent());
    (source.module as Agent).gen.demos = [new Example({ question: 'd', answer: 'e' })];
    const target = sessionify(new Agent());
    target.loadState(source.dumpState());
    expect((target.module as Agent).gen.demos).toEqual([{ question: 'd', answer: 'e' }]);
  });

  it('deep-copies a session nested in an agent as an independent session', async () => {
    class Host extends Module {
      chat = sessionify(new Agent());
      async forward({ question }: { question: string }) {
        return this.chat.call({ question });
      }
    }
    const host = new Host();
    host.chat.addTurn({ inputs: { question: 'Q0' }, outputs: { answer: 'A0' } });
    const copy = host.deepCopy();
    expect(copy.chat).toBeInstanceOf(Session);
    expect(copy.chat).not.toBe(host.chat);
    expect(copy.chat.length).toBe(1);
    copy.chat.reset();
    expect(host.chat.length).toBe(1);
    expect(copy.namedPredictors()[0]![1]).not.toBe(host.namedPredictors()[0]![1]);
  });

  it('resetCopy keeps configuration and turns and clears demos', () => {
    const session = sessionify(new Agent(), { maxTurns: 4 });
    (session.module as Agent).gen.demos = [new Example({ question: 'd', answer: 'e' })];
    session.addTurn({ inputs: { question: 'Q' }, outputs: { answer: 'A' } });
    const copy = session.resetCopy();
    expect(copy.options.maxTurns).toBe(4);
    expect(copy.length).toBe(1);
    expect((copy.module as Agent).gen.demos).toEqual([]);
    expect((session.module as Agent).gen.demos).toHaveLength(1);
  });

  it('replays toExamples statelessly, traces carry history, and demos set on the copy are used', async () => {
    const lm = new DummyLM((request) => ({ answer: `A${request.messages.length}` }));
    const session = sessionify(new Agent());
    await context({ lm, adapter }, async () => {
      await session.call({ question: 'Q1' });
      await session.call({ question: 'Q2' });
    });
    const trainset = await session.toExamples();

    // What an optimizer does: copy the student, replay each example with tracing, set demos.
    const student = session.resetCopy();
    const trace: TraceEntry[] = [];
    await context({ lm, adapter, trace }, async () => {
      for (const example of trainset) await student.call(example.inputs().toRecord() as never);
    });
    expect(session.length).toBe(2);
    expect(student.length).toBe(2);
    expect(trace).toHaveLength(2);
    expect(trace[1]!.inputs.history).toBe(trainset[1]!.history);
    expect((trace[1]!.inputs.history as History).messages).toEqual([{ question: 'Q1', answer: 'A2' }]);

    const [[, predictor]] = student.namedPredictors() as [[string, Predict]];
    predictor.demos = trace.map((t) => new Example({ ...t.inputs, ...t.prediction.toDict() }));
    student.compiled = true;

    const before = lm.requests.length;
    await context({ lm, adapter }, () => student.call({ question: 'Q3' }));
    const request = lm.requests[before]!;
    expect(request.messages.some((m) => m.role === 'user' && m.content?.includes('"Q1"'))).toBe(true);
    expect(student.length).toBe(3);
    expect(student.compiled).toBe(true);
  });

  it('updateModule hot-swaps an optimized program and keeps the turns', async () => {
    const lm = new DummyLM([{ answer: 'A1' }, { answer: 'A2' }]);
    const session = sessionify(new Agent());
    await context({ lm, adapter }, () => session.call({ question: 'Q1' }));
    const optimized = new Agent();
    optimized.gen.demos = [new Example({ question: 'demo', answer: 'shown' })];
    session.updateModule(optimized);
    await context({ lm, adapter }, () => session.call({ question: 'Q2' }));
    expect(session.length).toBe(2);
    expect(lm.requests[1]!.messages.some((m) => m.content?.includes('"demo"'))).toBe(true);
  });
});
