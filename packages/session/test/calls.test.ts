import { History, InputError, Module, Prediction } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { echoPredict, fakePredict, messagesOf } from './support.js';

const seed = new History([{ question: 'S', answer: 'seed' }]);

describe('calls and history policies', () => {
  it('forward is the same as call: one turn with the question', async () => {
    const session = sessionify(echoPredict().predict);
    await session.forward({ question: 'Q1' });
    expect(session.length).toBe(1);
    expect(session.turns[0]!.inputs.question).toBe('Q1');
  });

  it('acall and aforward record like call', async () => {
    const session = sessionify(echoPredict().predict);
    await session.acall({ question: 'Q1' });
    await session.aforward({ question: 'Q2' });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Q1', 'Q2']);
    expect(session.turns.map((t) => t.index)).toEqual([0, 1]);
  });

  it('override: an explicit history is a pass-through, seen as given and not recorded', async () => {
    const { predict, calls } = echoPredict();
    const session = sessionify(predict);
    await session.call({ question: 'Q1' });
    const explicit = new History([{ question: 'X', answer: 'Y' }]);
    const result = await session.call({ question: 'Q2', history: explicit });
    expect(result).toBeInstanceOf(Prediction);
    expect((result as Prediction).answer).toBe('A:Q2');
    expect(calls[1]!.history).toBe(explicit);
    expect(session.length).toBe(1);
  });

  it('override: an empty explicit history counts as present', async () => {
    const { predict, calls } = echoPredict();
    const session = sessionify(predict);
    await session.call({ question: 'Q1' });
    const empty = new History();
    await session.call({ question: 'Q2', history: empty });
    expect(calls[1]!.history).toBe(empty);
    expect(session.length).toBe(1);
  });

  it('treats an explicit null or undefined history as absent', async () => {
    const session = sessionify(echoPredict().predict);
    await session.call({ question: 'Q1', history: null });
    await session.call({ question: 'Q2', history: undefined });
    expect(session.length).toBe(2);
    expect(session.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
  });

  it('use_if_provided: records the turn with the explicit history as its snapshot, for that call only', async () => {
    const { predict, calls } = echoPredict();
    const session = sessionify(predict, { historyPolicy: 'use_if_provided' });
    await session.call({ question: 'Q1' });
    const explicit = new History([{ question: 'X', answer: 'Y' }]);
    await session.call({ question: 'Q2', history: explicit });
    expect(session.length).toBe(2);
    expect(session.turns[1]!.historySnapshot).toBe(explicit);
    expect(calls[1]!.history).toBe(explicit);
    await session.call({ question: 'Q3' });
    expect(messagesOf(calls[2])).toEqual([
      { question: 'Q1', answer: 'A:Q1' },
      { question: 'Q2', answer: 'A:Q2' },
    ]);
  });

  it('replace_session: replaces the seed and the turns; reset keeps the new seed', async () => {
    const session = sessionify(echoPredict().predict, { historyPolicy: 'replace_session' });
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2', history: seed });
    expect(session.length).toBe(1);
    expect(session.turns[0]!.index).toBe(0);
    expect(session.turns[0]!.historySnapshot.messages).toEqual(seed.messages);
    session.reset();
    expect(session.sessionHistory.messages).toEqual(seed.messages);
    expect(session.saveState().initial_history).toEqual({ messages: [{ question: 'S', answer: 'seed' }] });
  });

  it('replace_session: windows the new seed by maxTurns', async () => {
    const session = sessionify(echoPredict().predict, { historyPolicy: 'replace_session', maxTurns: 1 });
    const long = new History([{ question: 'a' }, { question: 'b' }]);
    await session.call({ question: 'Q', history: long });
    expect(session.turns[0]!.historySnapshot.messages).toEqual([{ question: 'b' }]);
  });

  it('replace_session: a throwing module still clears turns and replaces the seed, with no new turn', async () => {
    const { predict } = echoPredict();
    const session = sessionify(predict, { historyPolicy: 'replace_session' });
    await session.call({ question: 'Q1' });
    const inner = session.module as typeof predict;
    const boom = new Error('boom');
    inner.forward = async () => {
      throw boom;
    };
    await expect(session.call({ question: 'Q2', history: seed })).rejects.toBe(boom);
    expect(session.length).toBe(0);
    expect(session.sessionHistory.messages).toEqual(seed.messages);
  });

  it.each([
    ['a plain object', { messages: [] }, 'Object'],
    ['an array', [{ question: 'q' }], 'Array'],
    ['a string', 'hello', 'string'],
  ])('rejects %s as explicit history with the exact message', async (_what, value, typeName) => {
    const session = sessionify(echoPredict().predict);
    await session.call({ question: 'Q1' });
    const error = await session.call({ question: 'Q2', history: value as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`Expected history to be History, got ${typeName}.`);
    expect(session.length).toBe(1);
  });

  it('records no turn when the module throws and propagates the same error', async () => {
    const boom = new TypeError('nope');
    class Failing extends Module {
      async forward(): Promise<never> {
        throw boom;
      }
    }
    const session = sessionify(new Failing());
    await expect(session.call({ question: 'Q' })).rejects.toBe(boom);
    expect(session.length).toBe(0);
  });

  it('does not mutate the caller inputs and returns the module result itself', async () => {
    const result = new Prediction({ answer: 'A' });
    class Fixed extends Module {
      async forward() {
        return result;
      }
    }
    const session = sessionify(new Fixed());
    const inputs = { question: 'Q', history: null };
    const frozen = JSON.stringify(inputs);
    expect(await session.call(inputs)).toBe(result);
    expect(JSON.stringify(inputs)).toBe(frozen);
  });

  it('rejects a non-record argument with InputError', async () => {
    const session = sessionify(echoPredict().predict);
    await expect(session.call('Q' as never)).rejects.toThrow(InputError);
    await expect(session.call([] as never)).rejects.toThrow(InputError);
  });

  it('captures mutations the module makes to its input objects', async () => {
    class Mutating extends Module {
      async forward({ items }: { items: string[] }) {
        items.push('added');
        return { count: items.length };
      }
    }
    const session = sessionify(new Mutating());
    await session.call({ items: ['a'] });
    expect(session.turns[0]!.inputs.items).toEqual(['a', 'added']);
  });

  it('runs the module through call, so its callbacks fire', async () => {
    const started: string[] = [];
    const { predict } = fakePredict('question -> answer', [{ answer: 'A' }]);
    const session = sessionify(predict);
    session.module.callbacks.push({ onModuleStart: () => started.push('start') });
    await session.call({ question: 'Q' });
    expect(started).toEqual(['start']);
  });
});
