import { ChainOfThought, context, DummyLM, History, Module, Prediction } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { echoPredict, fakePredict, LineAdapter } from './support.js';

const snapshots = (session: { turns: readonly { historySnapshot: History }[] }) =>
  session.turns.map((t) => t.historySnapshot.messages);

describe('history building', () => {
  it('records inputs and outputs of a call', async () => {
    const session = sessionify(fakePredict('question -> answer', [{ answer: 'Hello!' }]).predict);
    await session.call({ question: 'Hi' });
    expect(session.turns[0]!.inputs).toEqual({ question: 'Hi' });
    expect(session.turns[0]!.outputs).toEqual({ answer: 'Hello!' });
  });

  it('records every output field', async () => {
    const session = sessionify(
      fakePredict('question -> answer, confidence: float', [{ answer: 'A', confidence: 0.9 }]).predict,
    );
    await session.call({ question: 'Q' });
    expect(session.turns[0]!.outputs).toEqual({ answer: 'A', confidence: 0.9 });
  });

  it('grows snapshots turn by turn', async () => {
    const session = sessionify(fakePredict('question -> answer', [{ answer: 'A' }]).predict);
    for (const q of ['Q1', 'Q2', 'Q3']) await session.call({ question: q });
    expect(snapshots(session)).toEqual([
      [],
      [{ question: 'Q1', answer: 'A' }],
      [
        { question: 'Q1', answer: 'A' },
        { question: 'Q2', answer: 'A' },
      ],
    ]);
  });

  it('keeps excluded fields out of messages but in turn inputs and examples', async () => {
    const session = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, {
      excludeFields: ['context'],
    });
    await session.call({ context: 'long', question: 'Q1' });
    await session.call({ context: 'long', question: 'Q2' });
    expect(session.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A' }]);
    expect(session.turns[0]!.inputs).toEqual({ context: 'long', question: 'Q1' });
    const [example] = await session.toExamples();
    expect(example!.context).toBe('long');
  });

  it('historyInputFields keeps only listed inputs and all outputs', async () => {
    const session = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, {
      historyInputFields: ['question'],
    });
    await session.call({ context: 'c', question: 'Q1' });
    expect(session.sessionHistory.messages).toEqual([{ question: 'Q1', answer: 'A' }]);
  });

  it('undefined historyInputFields includes every input', async () => {
    const session = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, {
      historyInputFields: undefined,
    });
    await session.call({ context: 'c', question: 'Q1' });
    expect(session.sessionHistory.messages).toEqual([{ context: 'c', question: 'Q1', answer: 'A' }]);
  });

  it('exclusion wins over inclusion, and an empty allow-list keeps only outputs', async () => {
    const both = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, {
      historyInputFields: ['question', 'context'],
      excludeFields: ['context'],
    });
    await both.call({ context: 'c', question: 'Q1' });
    expect(both.sessionHistory.messages).toEqual([{ question: 'Q1', answer: 'A' }]);

    const none = sessionify(fakePredict('context, question -> answer', [{ answer: 'A' }]).predict, {
      historyInputFields: [],
    });
    await none.call({ context: 'c', question: 'Q1' });
    expect(none.sessionHistory.messages).toEqual([{ answer: 'A' }]);
  });

  it('keeps a message whose keys were all filtered out as {}', async () => {
    const session = sessionify(fakePredict('question -> answer', [{ answer: 'A' }]).predict, {
      excludeFields: ['question', 'answer'],
    });
    await session.call({ question: 'Q1' });
    expect(session.sessionHistory.messages).toEqual([{}]);
  });

  it('windows by maxTurns messages while snapshots stay as they were', async () => {
    const session = sessionify(echoPredict().predict, { maxTurns: 2 });
    for (let i = 0; i < 5; i++) await session.call({ question: `Q${i}` });
    expect(session.length).toBe(5);
    expect(session.sessionHistory.messages.map((m) => m.question)).toEqual(['Q3', 'Q4']);
    expect(session.turns[0]!.historySnapshot.messages).toEqual([]);
    expect(session.turns[4]!.historySnapshot.messages.map((m) => m.question)).toEqual(['Q2', 'Q3']);
  });

  it('puts the initial history in turn 0 and counts seed messages toward maxTurns', async () => {
    const seed = new History([{ question: 'S', answer: 's' }]);
    const session = sessionify(echoPredict().predict, { initialHistory: seed, maxTurns: 2 });
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    await session.call({ question: 'Q3' });
    expect(snapshots(session)[0]).toEqual([{ question: 'S', answer: 's' }]);
    expect(snapshots(session)[1]).toEqual([
      { question: 'S', answer: 's' },
      { question: 'Q1', answer: 'A:Q1' },
    ]);
    expect(snapshots(session)[2]!.map((m) => m.question)).toEqual(['Q1', 'Q2']);
  });

  it('keeps seed messages verbatim (not filtered)', async () => {
    const seed = new History([{ context: 'c', question: 'S' }]);
    const session = sessionify(echoPredict().predict, { initialHistory: seed, excludeFields: ['context'] });
    expect(session.sessionHistory.messages).toEqual([{ context: 'c', question: 'S' }]);
  });

  it('a Predict root drops call keys that are not signature inputs', async () => {
    const session = sessionify(fakePredict('question -> answer', [{ answer: 'A' }]).predict);
    await session.call({ question: 'Q', config: { temperature: 0.5 } });
    expect(session.turns[0]!.inputs).toEqual({ question: 'Q' });
  });

  it('a program root records every key except the history field', async () => {
    class Program extends Module {
      async forward(inputs: Record<string, unknown>) {
        return { answer: String(inputs.question) };
      }
    }
    const session = sessionify(new Program());
    await session.call({ question: 'Q', extra: 1, history: null });
    expect(session.turns[0]!.inputs).toEqual({ question: 'Q', extra: 1 });
  });

  it('records a string result as {output} and an empty Prediction as {}', async () => {
    class Text extends Module {
      async forward() {
        return 'plain text';
      }
    }
    class Empty extends Module {
      async forward() {
        return new Prediction({});
      }
    }
    const text = sessionify(new Text());
    await text.call({ question: 'Q' });
    expect(text.turns[0]!.outputs).toEqual({ output: 'plain text' });
    const empty = sessionify(new Empty());
    await empty.call({ question: 'Q' });
    expect(empty.turns[0]!.outputs).toEqual({});
  });

  it('records a Map, a toJSON model and undefined', async () => {
    class Model {
      toJSON() {
        return { answer: 'j' };
      }
    }
    const results: unknown[] = [new Map([['answer', 'm']]), new Model(), undefined, [1, 2]];
    class Varied extends Module {
      async forward() {
        return results.shift();
      }
    }
    const session = sessionify(new Varied());
    for (let i = 0; i < 4; i++) await session.call({ q: i });
    expect(session.turns.map((t) => t.outputs)).toEqual([
      { answer: 'm' },
      { answer: 'j' },
      { output: null },
      { output: [1, 2] },
    ]);
  });

  it('a ChainOfThought root records reasoning', async () => {
    const lm = new DummyLM([{ reasoning: 'think', answer: 'A' }]);
    const session = sessionify(new ChainOfThought('question -> answer'));
    await context({ lm, adapter: new LineAdapter() }, () => session.call({ question: 'Q' }));
    expect(session.turns[0]!.outputs).toEqual({ reasoning: 'think', answer: 'A' });
  });

  it('is not affected by later mutation of the caller objects', async () => {
    const output = { answer: ['x'] };
    class Returns extends Module {
      async forward() {
        return output;
      }
    }
    const session = sessionify(new Returns());
    const list = ['a'];
    await session.call({ items: list });
    list.push('b');
    output.answer.push('y');
    expect(session.turns[0]!.inputs.items).toEqual(['a']);
    expect(session.turns[0]!.outputs.answer).toEqual(['x']);

    const added = ['p'];
    session.addTurn({ inputs: { items: added }, outputs: { answer: 'z' } });
    added.push('q');
    expect(session.turns[1]!.inputs.items).toEqual(['p']);
  });

  it('keeps class instances by reference in recorded values', async () => {
    class Image {
      constructor(readonly url: string) {}
    }
    const image = new Image('u');
    const session = sessionify(echoPredict().predict);
    session.addTurn({ inputs: { image }, outputs: { answer: 'a' } });
    expect(session.turns[0]!.inputs.image).toBe(image);
  });
});
