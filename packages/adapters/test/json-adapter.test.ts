import { AdapterParseError, InputField, OutputField, type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JSONAdapter } from '../src/index.js';
import { structuredOutputSchema, structuredResponseFormat } from '../src/internal.js';

const json = new JSONAdapter();
const COT_INT = signature('question -> reasoning, answer: int') as Signature;

describe('JSONAdapter.parse', () => {
  it('parses plain, fenced, prose-wrapped and unclosed objects', () => {
    const expected = { reasoning: 'r', answer: 42 };
    expect(json.parse(COT_INT, '{"reasoning": "r", "answer": 42}')).toEqual(expected);
    expect(json.parse(COT_INT, '```json\n{"reasoning": "r", "answer": "42"}\n```')).toEqual(expected);
    expect(json.parse(COT_INT, 'Sure! Here it is: {"reasoning": "r", "answer": 42} hope it helps')).toEqual(
      expected,
    );
    expect(json.parse(COT_INT, "{'reasoning': 'r', 'answer': 42")).toEqual(expected);
  });

  it('fails the key check when an output is missing', () => {
    expect(() => json.parse(COT_INT, '{"reasoning": "r"}')).toThrow(
      /Actual output fields parsed from the LM response: \[reasoning\]/,
    );
  });

  it('refuses text that holds no JSON object', () => {
    for (const text of ['no json here', '[1,2]']) {
      expect(() => json.parse(COT_INT, text)).toThrow(/^LM response cannot be serialized to a JSON object\./);
    }
  });

  it('reports a value of the wrong type as an AdapterParseError naming the field (deviation: DSPy raises raw)', () => {
    try {
      json.parse(COT_INT, '{"reasoning": "r", "answer": "forty"}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AdapterParseError);
      expect((e as AdapterParseError).message).toMatch(/^Failed to parse field answer with value forty/);
      expect((e as AdapterParseError).missingFields).toEqual(['answer']);
    }
  });

  it('ignores extra keys and gives str fields Python text', () => {
    expect(json.parse(signature('q -> a') as Signature, '{"a": {"x": 1}, "b": 2}')).toEqual({
      a: "{'x': 1}",
    });
  });

  it('formats completions as an indented JSON object', () => {
    expect(json.formatCompletion({ reasoning: 'r', answer: 4 })).toBe(
      '{\n  "reasoning": "r",\n  "answer": 4\n}',
    );
  });
});

describe('structured outputs schema', () => {
  it('matches DSPy on the wire for str, int and ChainOfThought', () => {
    expect(structuredResponseFormat(signature('question -> answer') as Signature)).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'DSPyProgramOutputs',
        strict: true,
        schema: {
          additionalProperties: false,
          properties: { answer: { title: 'Answer', type: 'string' } },
          required: ['answer'],
          title: 'DSPyProgramOutputs',
          type: 'object',
        },
      },
    });
    expect(structuredOutputSchema(signature('question -> answer: int') as Signature).properties).toEqual({
      answer: { title: 'Answer', type: 'integer' },
    });
    const cot = structuredOutputSchema(signature('question -> reasoning, answer') as Signature);
    expect(Object.keys(cot.properties as object)).toEqual(['reasoning', 'answer']);
    expect(cot.required).toEqual(['reasoning', 'answer']);
  });

  it('is OpenAI-strict: optional becomes nullable and required, no $schema, no int bounds', () => {
    const Inner = z.object({ n: z.int(), note: z.string().optional() });
    const sig = signature({
      inputs: { q: InputField() },
      outputs: {
        label: OutputField(z.enum(['a', 'b'])),
        maybe: OutputField(z.int().nullable()),
        inner: OutputField(Inner),
      },
    }) as unknown as Signature;
    const schema = structuredOutputSchema(sig);
    expect(JSON.stringify(schema)).not.toMatch(/\$schema|9007199254740991/);
    expect(schema.required).toEqual(['label', 'maybe', 'inner']);
    const inner = (schema.properties as Record<string, Record<string, unknown>>).inner!;
    expect(inner.required).toEqual(['n', 'note']);
    expect(inner.additionalProperties).toBe(false);
    expect((inner.properties as Record<string, unknown>).note).toEqual({ type: ['string', 'null'] });
  });

  it('converts zod 3 schemas with zod-to-json-schema', async () => {
    const z3 = await import('zod/v3');
    const sig = signature('q -> a') as Signature;
    const field = { ...sig.outputFields.a!, schema: z3.z.object({ n: z3.z.number().int() }) as never };
    const patched = { ...sig, outputFields: { a: field } } as unknown as Signature;
    const schema = structuredOutputSchema(patched);
    expect((schema.properties as Record<string, unknown>).a).toEqual({
      type: 'object',
      properties: { n: { type: 'integer' } },
      required: ['n'],
      additionalProperties: false,
      title: 'A',
    });
  });

  it('refuses open-ended mappings', () => {
    expect(() => structuredOutputSchema(signature('q -> a: dict[str, int]') as Signature)).toThrow(
      "Field 'a' has an open-ended mapping type which is not supported by Structured Outputs.",
    );
  });
});
