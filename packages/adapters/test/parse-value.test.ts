import { type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseValue, ValueParseError } from '../src/parse-value.js';
import { typeInfoOf } from '../src/type-info.js';

const typeOf = (text: string) => {
  const sig = signature(`q -> a: ${text}`) as Signature;
  return sig.outputFields.a!;
};
const parse = (text: string, value: unknown) => {
  const field = typeOf(text);
  return parseValue(value, typeInfoOf(field.schema), field.schema);
};

describe('parseValue', () => {
  it('keeps str values as Python text without unquoting', () => {
    expect(parse('str', '"quoted"')).toBe('"quoted"');
    expect(parse('str', 42)).toBe('42');
    expect(parse('str', { a: 1 })).toBe("{'a': 1}");
  });

  it('reads ints the way pydantic lax mode does', () => {
    for (const value of ['42', '42.0', '"42"', '1_000', ' 7 '])
      expect(parse('int', value)).toBe(value === '1_000' ? 1000 : value === ' 7 ' ? 7 : 42);
    for (const bad of ['4.5', 'forty-two', 'The answer is 42', '[42]', '', '0x10']) {
      expect(() => parse('int', bad), bad).toThrow(ValueParseError);
    }
  });

  it('reads floats and bools', () => {
    expect(parse('float', '3')).toBe(3);
    expect(parse('float', '1e3')).toBe(1000);
    for (const value of ['True', 'true', 'TRUE', 'yes', '1']) expect(parse('bool', value)).toBe(true);
    for (const value of ['False', 'no']) expect(parse('bool', value)).toBe(false);
  });

  it('reads lists and dicts from JSON or Python literals, never from bare prose', () => {
    expect(parse('list[str]', '["a", "b"]')).toEqual(['a', 'b']);
    expect(parse('list[str]', "['a', 'b']")).toEqual(['a', 'b']);
    expect(() => parse('list[str]', 'a, b')).toThrow(ValueParseError);
    expect(() => parse('list[str]', '- a\n- b')).toThrow(ValueParseError);
    expect(parse('list[int]', '1, 2')).toEqual([1, 2]);
    expect(parse('dict[str, int]', '{"a": 1}')).toEqual({ a: 1 });
    expect(parse('dict[str, int]', "{'a': 1}")).toEqual({ a: 1 });
  });

  it('matches Literals exactly after stripping padding, quotes and Literal[...]', () => {
    for (const value of ['yes', "'yes'", "Literal['yes']", ' yes '])
      expect(parse("Literal['yes', 'no']", value)).toBe('yes');
    expect(() => parse("Literal['yes', 'no']", 'Yes')).toThrow("'Yes' is not one of ('yes', 'no')");
    // Deviation from DSPy, which cannot read numeric Literals from text.
    expect(parse('Literal[1, 2]', '1')).toBe(1);
    expect(() => parse('Literal[1, 2]', '3')).toThrow(ValueParseError);
  });

  it('keeps "None" for Optional[str] and turns it into null for Optional[int]', () => {
    expect(parse('Optional[str]', 'None')).toBe('None');
    expect(parse('Optional[str]', '')).toBe('');
    expect(parse('Optional[int]', 'None')).toBeNull();
    expect(parse('Optional[int]', 'null')).toBeNull();
    expect(parse('Optional[int]', '5')).toBe(5);
    expect(() => parse('Optional[int]', '')).toThrow(ValueParseError);
  });

  it('matches enums by value, then by name', () => {
    const Color = { RED: 'red', GREEN: 'green' } as const;
    const schema = z.enum(Color);
    const type = typeInfoOf(schema);
    expect(parseValue('red', type, schema)).toBe('red');
    expect(parseValue('RED', type, schema)).toBe('red');
    expect(() => parseValue('Red', type, schema)).toThrow('Red is not a valid name or value for the enum');
  });

  it('validates nested objects from JSON, Python dicts and fences', () => {
    const schema = z
      .object({ name: z.string(), age: z.int(), nick: z.string().optional() })
      .meta({ title: 'P' });
    const type = typeInfoOf(schema);
    expect(parseValue('{"name": "A", "age": "3"}', type, schema)).toEqual({ name: 'A', age: 3 });
    expect(parseValue("{'name': 'A', 'age': 3, 'nick': None}", type, schema)).toEqual({ name: 'A', age: 3 });
    expect(parseValue('```json\n{"name": "A", "age": 3, "extra": 1}\n```', type, schema)).toEqual({
      name: 'A',
      age: 3,
    });
    expect(() => parseValue('{"name": "A"}', type, schema)).toThrow(/age/);
  });

  it('applies the schema last, so constraints hold', () => {
    const schema = z.number().min(0).max(1);
    expect(() => parseValue('2', typeInfoOf(schema), schema)).toThrow(ValueParseError);
    expect(parseValue('0.5', typeInfoOf(schema), schema)).toBe(0.5);
  });

  it('understands zod 3 schemas from zod/v3', async () => {
    const z3 = await import('zod/v3');
    const schema = z3.z.object({ n: z3.z.number().int(), tags: z3.z.array(z3.z.string()) });
    expect(parseValue('{"n": "2", "tags": ["x"]}', typeInfoOf(schema), schema)).toEqual({
      n: 2,
      tags: ['x'],
    });
  });
});
