import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type ChainOfThought,
  context,
  DummyLM,
  type Example,
  InputError,
  InputField,
  OutputField,
  Predict,
  Prediction,
  SignatureError,
  signature,
} from '../src/index.js';
import { LineAdapter } from './support/test-adapter.js';

describe('a Prediction of a known signature', () => {
  it('exposes exactly the output fields to the type checker', async () => {
    const qa = new Predict('question -> answer: int');
    const lm = new DummyLM([{ answer: 4 }]);
    const pred = await context({ lm, adapter: new LineAdapter() }, () => qa.call({ question: '2 + 2?' }));
    expectTypeOf(pred.answer).toEqualTypeOf<number>();
    // @ts-expect-error a field the signature does not declare is a type error, not `unknown`
    expect(pred.answr).toBeUndefined();
    expect(pred.answer).toBe(4);
  });

  it('types the reasoning of ChainOfThought and the outputs of an object signature', () => {
    type CotPrediction = Awaited<ReturnType<ChainOfThought<'question -> answer'>['forward']>>;
    expectTypeOf<CotPrediction['reasoning']>().toEqualTypeOf<string>();
    expectTypeOf<CotPrediction>().not.toHaveProperty('answr');
    const Review = signature({
      inputs: { review: InputField(z.string()) },
      outputs: { label: OutputField(z.enum(['pos', 'neg'])) },
    });
    type ReviewPrediction = Awaited<ReturnType<Predict<typeof Review>['forward']>>;
    expectTypeOf<ReviewPrediction['label']>().toEqualTypeOf<'pos' | 'neg'>();
    expectTypeOf<ReviewPrediction>().not.toHaveProperty('lable');
  });

  it('stays assignable where a Prediction or an Example is expected', () => {
    type Typed = Awaited<ReturnType<Predict<'question -> answer'>['forward']>>;
    expectTypeOf<Typed>().toMatchTypeOf<Prediction>();
    expectTypeOf<Typed>().toMatchTypeOf<Example>();
    const metric = (_example: Example, prediction: Prediction) => Boolean(prediction.answer);
    expectTypeOf(metric).parameter(1).toEqualTypeOf<Prediction>();
  });
});

describe('Prediction.get', () => {
  it('throws on a name that is not a field, listing the fields there are', () => {
    const pred = new Prediction({ answer: '4', reasoning: 'adding' });
    expect(() => pred.get('answr')).toThrow(InputError);
    expect(() => pred.get('answr')).toThrow(
      "'Prediction' object has no attribute 'answr'. Its fields: answer, reasoning.",
    );
  });

  it('returns the fallback for a missing name when one is given', () => {
    const pred = new Prediction({ answer: '4' });
    expect(pred.get('score', 0)).toBe(0);
    expect(pred.get('score', undefined)).toBeUndefined();
    expect(pred.get('answer')).toBe('4');
  });
});

describe('signature strings without outputs', () => {
  it("make 'question -> ' a SignatureError before any call", () => {
    expect(() => new Predict('question -> ')).toThrow(SignatureError);
  });
});
