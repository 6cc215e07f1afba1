import { ChainOfThought, ConfigurationError, History, Module, Predict, Prediction } from '@dspy-ts/core';
import { Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { echoPredict, withWarnings } from './support.js';

describe('construction', () => {
  it('sessionify returns a Session and passes options through', () => {
    const session = sessionify(new Predict('question -> answer'), {
      maxTurns: 5,
      excludeFields: ['context'],
    });
    expect(session).toBeInstanceOf(Session);
    expect(session.options.maxTurns).toBe(5);
    expect(session.options.excludeFields.has('context')).toBe(true);
    expect(session.options.excludeFields.has('history')).toBe(true);
  });

  it('new Session(module, options) equals sessionify(module, options)', () => {
    const a = new Session(new Predict('question -> answer'), { maxTurns: 3 });
    const b = sessionify(new Predict('question -> answer'), { maxTurns: 3 });
    expect(a.options).toEqual(b.options);
    expect(String(a)).toBe(String(b));
  });

  it('toString names the module class, the turn count and the history field', () => {
    expect(String(sessionify(new Predict('question -> answer')))).toBe(
      "Session(Predict, turns=0, history_field='history')",
    );
    expect(String(sessionify(new ChainOfThought('question -> answer')))).toContain('ChainOfThought');
  });

  it('rejects historyInputFields together with inputFieldOverride with the exact message', () => {
    expect(() =>
      sessionify(new Predict('question -> answer'), {
        historyInputFields: ['question'],
        inputFieldOverride: [],
      }),
    ).toThrow(new ConfigurationError('Provide either historyInputFields or inputFieldOverride, not both.'));
  });

  it('accepts inputFieldOverride alone as the allow-list', () => {
    const session = sessionify(new Predict('question -> answer'), {
      inputFieldOverride: new Set(['question']),
    });
    expect([...session.options.historyInputFields!]).toEqual(['question']);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ['historyPolicy', { historyPolicy: 'sometimes' }],
    ['lock', { lock: 'mutex' }],
    ['onMetricError', { onMetricError: 'ignore' }],
    ['initialHistory', { initialHistory: [{ question: 'q' }] }],
    ['initialHistory', { initialHistory: { messages: [] } }],
    ['maxTurns', { maxTurns: 0 }],
    ['maxTurns', { maxTurns: -1 }],
    ['maxTurns', { maxTurns: 1.5 }],
    ['maxTurns', { maxTurns: Number.NaN }],
    ['excludeFields', { excludeFields: 'context' }],
    ['historyInputFields', { historyInputFields: 'question' }],
    ['historyField', { historyField: '' }],
    ['strictHistoryAnnotation', { strictHistoryAnnotation: 'yes' }],
    ['onTurn', { onTurn: 'log' }],
    ['copyMode', { copyMode: 'clone' }],
    ['maxStoredTurns', { maxStoredTurns: 0 }],
    ['unknown', { turns: 3 }],
  ];
  it.each(invalid)('rejects an invalid %s before any warning or copy', (_name, options) => {
    const module = new Predict('question -> answer');
    const before = module.signature;
    const { warnings } = withWarnings(() => {
      expect(() => sessionify(module, options)).toThrow(ConfigurationError);
    });
    expect(warnings).toEqual([]);
    expect(module.signature).toBe(before);
  });

  it('names the option, the value and the accepted values', () => {
    expect(() => sessionify(new Predict('q -> a'), { historyPolicy: 'x' as never })).toThrow(
      "Invalid session option historyPolicy: got 'x'. Expected one of 'override', 'use_if_provided', 'replace_session'.",
    );
  });

  it('hints the camelCase name for a snake_case option key', () => {
    expect(() => sessionify(new Predict('q -> a'), { max_turns: 3 } as never)).toThrow(
      /Unknown session option 'max_turns'\. Did you mean `maxTurns`\?/,
    );
  });

  it('rejects a module that is not a Module', () => {
    expect(() => sessionify({ forward: async () => ({}) } as never)).toThrow(ConfigurationError);
    expect(() => new Session('question -> answer' as never)).toThrow(/expects a Module/);
  });

  it('accepts null for nullable options', () => {
    const session = sessionify(new Predict('q -> a'), {
      maxTurns: null,
      excludeFields: null,
      historyInputFields: null,
      initialHistory: null,
      onTurn: null,
    });
    expect(session.options.maxTurns).toBeUndefined();
    expect(session.options.initialHistory).toBeUndefined();
  });

  it('works with a module without predictors and records its turns', async () => {
    class Calculator extends Module {
      async forward({ a, b }: { a: number; b: number }) {
        return new Prediction({ sum: a + b });
      }
    }
    const session = sessionify(new Calculator());
    expect(session.namedPredictors()).toEqual([]);
    await session.call({ a: 1, b: 2 });
    await session.call({ a: 3, b: 4 });
    expect(session.turns.map((t) => t.outputs)).toEqual([{ sum: 3 }, { sum: 7 }]);
    expect(session.turns[1]!.historySnapshot.messages).toEqual([{ a: 1, b: 2, sum: 3 }]);
  });

  it('exposes the wrapped copy, not the caller module', () => {
    const { predict } = echoPredict();
    const session = sessionify(predict, { initialHistory: new History([{ question: 'seed' }]) });
    expect(session.module).not.toBe(predict);
    expect(session.module).toBeInstanceOf(Predict);
    expect(Object.isFrozen(session.options)).toBe(true);
  });
});
