import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { ParseInputs, ParseOutputs } from '../src/index.js';
import { ChainOfThought, type History, InputField, OutputField, Predict, signature } from '../src/index.js';

describe('type-level signature parsing', () => {
  it('infers untyped fields as strings', () => {
    expectTypeOf<ParseInputs<'question -> answer'>>().toEqualTypeOf<{ question: string }>();
    expectTypeOf<ParseOutputs<'question -> answer'>>().toEqualTypeOf<{ answer: string }>();
  });

  it('maps Python type names to TypeScript types', () => {
    type S =
      'context: list[str], question: str, n: int -> answer: float, ok: bool, tags: dict[str, list[int]]';
    expectTypeOf<ParseInputs<S>>().toEqualTypeOf<{ context: string[]; question: string; n: number }>();
    expectTypeOf<ParseOutputs<S>>().toEqualTypeOf<{
      answer: number;
      ok: boolean;
      tags: Record<string, number[]>;
    }>();
  });

  it('handles Literal, Optional, unions and History', () => {
    type S = 'history: History, q -> label: Literal[\'pos\', "neg"], note: Optional[str], x: int | None';
    expectTypeOf<ParseInputs<S>>().toEqualTypeOf<{ history: History; q: string }>();
    expectTypeOf<ParseOutputs<S>>().toEqualTypeOf<{
      label: 'pos' | 'neg';
      note: string | null;
      x: number | null;
    }>();
  });

  it('tolerates whitespace and newlines', () => {
    expectTypeOf<ParseOutputs<'a ->\n  b : int ,\n c'>>().toEqualTypeOf<{ b: number; c: string }>();
  });

  it('infers field types from the signature() call for both forms', () => {
    const fromString = signature('question -> answer: int');
    expectTypeOf<NonNullable<typeof fromString._types>['outputs']>().toEqualTypeOf<{ answer: number }>();
    const fromZod = signature({
      inputs: { review: InputField(z.string(), { desc: 'raw review text' }) },
      outputs: { label: OutputField(z.enum(['pos', 'neg'])), score: OutputField(z.number()) },
    });
    expectTypeOf<NonNullable<typeof fromZod._types>['inputs']>().toEqualTypeOf<{ review: string }>();
    expectTypeOf<NonNullable<typeof fromZod._types>['outputs']>().toEqualTypeOf<{
      label: 'pos' | 'neg';
      score: number;
    }>();
  });

  it('uses customTypes for names in the string', () => {
    const Person = z.object({ name: z.string(), age: z.number() });
    const sig = signature('text -> person: Person', { customTypes: { Person } });
    expectTypeOf<NonNullable<typeof sig._types>['outputs']>().toEqualTypeOf<{
      person: { name: string; age: number };
    }>();
  });
});

describe('typed predictors', () => {
  it('types Predict inputs and outputs from a string signature', () => {
    const qa = new Predict('question, context: list[str] -> answer: int');
    type Call = Parameters<typeof qa.call>[0];
    expectTypeOf<Call['question']>().toEqualTypeOf<string>();
    expectTypeOf<Call['context']>().toEqualTypeOf<string[]>();
    expectTypeOf<Awaited<ReturnType<typeof qa.call>>['answer']>().toEqualTypeOf<number>();
  });

  it('types Predict from a zod signature and ChainOfThought adds reasoning', () => {
    const Typed = signature({
      inputs: { review: InputField(z.string()) },
      outputs: { label: OutputField(z.enum(['pos', 'neg'])), score: OutputField(z.number()) },
    });
    expectTypeOf<Awaited<ReturnType<Predict<typeof Typed>['call']>>['score']>().toEqualTypeOf<number>();
    const cot = new ChainOfThought('question -> answer: bool');
    type Out = Awaited<ReturnType<typeof cot.call>>;
    expectTypeOf<Out['reasoning']>().toEqualTypeOf<string>();
    expectTypeOf<Out['answer']>().toEqualTypeOf<boolean>();
  });

  it('lets History inputs be omitted', () => {
    const qa = new Predict('history: History, question -> answer');
    expectTypeOf<{ question: string }>().toExtend<Parameters<typeof qa.call>[0]>();
  });
});
