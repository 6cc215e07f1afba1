import { describe, expect, it } from 'vitest';
import { Completions, Example, History, InputError, Prediction } from '../src/index.js';

describe('Example', () => {
  const ex = new Example({ question: 'q', answer: 'a', dspy_uuid: 'x' });

  it('reads fields as properties and through get', () => {
    expect(ex.question).toBe('q');
    expect(ex.get('answer')).toBe('a');
    expect(ex.get('missing', 'fallback')).toBe('fallback');
  });

  it('hides dspy_ keys from keys/values/items but not from toDict', () => {
    expect(ex.keys()).toEqual(['question', 'answer']);
    expect(ex.keys(true)).toEqual(['question', 'answer', 'dspy_uuid']);
    expect(ex.length).toBe(2);
    expect(ex.toDict()).toEqual({ question: 'q', answer: 'a', dspy_uuid: 'x' });
  });

  it('splits inputs and labels after withInputs, without mutating', () => {
    const withInputs = ex.withInputs('question');
    expect(ex.inputKeys).toBeUndefined();
    expect(withInputs.inputs().toDict()).toEqual({ question: 'q' });
    expect(withInputs.labels().toDict()).toEqual({ answer: 'a', dspy_uuid: 'x' });
    expect(withInputs.labels().inputKeys).toBeUndefined();
  });

  it('refuses inputs() before withInputs with DSPy text', () => {
    expect(() => ex.inputs()).toThrow(
      'Inputs have not been set for this example. Use `example.with_inputs()` to set them.',
    );
  });

  it('copies with patches and removes keys', () => {
    expect(ex.copy({ answer: 'b' }).answer).toBe('b');
    expect(ex.without('answer').keys()).toEqual(['question']);
    expect(() => ex.without('nope')).toThrow(InputError);
  });

  it('is immutable and compares by value ignoring input keys', () => {
    expect(Object.isFrozen(ex)).toBe(true);
    expect(
      ex.equals(new Example({ question: 'q', answer: 'a', dspy_uuid: 'x' }).withInputs('question')),
    ).toBe(true);
    expect(ex.equals({ question: 'q' })).toBe(false);
  });

  it('turns nested History and Examples into plain data', () => {
    const nested = new Example({ history: new History([{ q: '1' }]), inner: new Example({ a: 1 }) });
    expect(nested.toDict()).toEqual({ history: { messages: [{ q: '1' }] }, inner: { a: 1 } });
  });

  it('keeps methods when a field has a method name', () => {
    const tricky = new Example({ keys: 'field value' });
    expect(tricky.keys()).toEqual(['keys']);
    expect(tricky.get('keys')).toBe('field value');
  });

  it("prints as Python's repr of an Example", () => {
    // Recorded from DSPy 3.3.1: repr(dspy.Example(question="it's", x=float('nan')).with_inputs('question')).
    const example = new Example({ question: "it's", x: Number.NaN }).withInputs('question');
    expect(String(example)).toBe(`Example({'question': "it's", 'x': nan}) (input_keys={'question'})`);
    expect(String(new Example({ a: [1, null] }))).toBe("Example({'a': [1, None]}) (input_keys=None)");
  });
});

describe('Prediction and Completions', () => {
  it('takes choice 0 as its values and keeps all choices', () => {
    const pred = Prediction.fromCompletions([{ answer: 'a1' }, { answer: 'a2' }, { answer: 'a3' }]);
    expect(pred.answer).toBe('a1');
    expect(pred.completions.answer).toEqual(['a1', 'a2', 'a3']);
    expect(pred.completions.length).toBe(3);
    expect(pred.completions.at(1).answer).toBe('a2');
    expect(() => pred.completions.at(5)).toThrow('Index out of range');
  });

  it('accepts a map of field -> list and checks lengths', () => {
    expect(
      Completions.from({ a: [1, 2], b: [3, 4] })
        .at(1)
        .toDict(),
    ).toEqual({ a: 2, b: 4 });
    expect(() => Completions.from({ a: [1], b: [1, 2] })).toThrow('All lists must have the same length');
  });

  it('has no input keys', () => {
    expect(() => new Prediction({ a: 1 }).inputs()).toThrow();
  });
});

describe('History', () => {
  it('is immutable and compares by value', () => {
    const history = new History([{ question: 'Hi', answer: 'Hello!' }]);
    expect(Object.isFrozen(history.messages)).toBe(true);
    expect(Object.isFrozen(history.messages[0])).toBe(true);
    expect(history.equals(new History([{ question: 'Hi', answer: 'Hello!' }]))).toBe(true);
    expect(JSON.stringify(history)).toBe('{"messages":[{"question":"Hi","answer":"Hello!"}]}');
  });

  it('shares a backing array in views without copying', () => {
    const backing = Object.freeze([{ a: 1 }, { a: 2 }, { a: 3 }].map((m) => Object.freeze(m)));
    const view = History.view(backing, 0, 2);
    expect(view.length).toBe(2);
    expect(view.messages).toEqual([{ a: 1 }, { a: 2 }]);
    expect(view.messages[0]).toBe(backing[0]);
    expect(History.view(backing).messages).toBe(backing);
  });

  it('builds from saved { messages } and rejects null or arrays', () => {
    expect(History.from({ messages: [{ q: 1 }] }).length).toBe(1);
    expect(History.from(undefined).length).toBe(0);
    expect(() => History.from(null)).toThrow(InputError);
    expect(() => History.from([{ q: 1 }])).toThrow(InputError);
  });
});
