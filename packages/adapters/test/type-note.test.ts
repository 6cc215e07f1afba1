import { type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { typeInfoOf } from '../src/type-info.js';
import { noteSchema, placeholder, requirementTypeInfo } from '../src/type-note.js';

const output = (type: string) => (signature(`q -> out: ${type}`) as Signature).outputFields.out!;

describe('per-type notes', () => {
  it('writes the fixed notes', () => {
    expect(placeholder(output('str'))).toBe('{out}');
    expect(placeholder(output('bool'))).toBe(
      '{out}        # note: the value you produce must be True or False',
    );
    expect(placeholder(output('float'))).toBe(
      '{out}        # note: the value you produce must be a single float value',
    );
    expect(placeholder(output("Literal['yes', 'no']"))).toBe(
      '{out}        # note: the value you produce must exactly match (no extra characters) one of: yes; no',
    );
    expect(
      (signature('q -> out') as Signature).inputFields.q &&
        placeholder((signature('q: int -> out') as Signature).inputFields.q!),
    ).toBe('{q}');
  });

  it('writes sorted note schemas for the other types', () => {
    const cases: [string, string][] = [
      ['list[str]', '{"type": "array", "items": {"type": "string"}}'],
      ['list[int]', '{"type": "array", "items": {"type": "integer"}}'],
      ['dict[str, int]', '{"type": "object", "additionalProperties": {"type": "integer"}}'],
      ['dict[str, Any]', '{"type": "object", "additionalProperties": true}'],
      ['Optional[str]', '{"anyOf": [{"type": "string"}, {"type": "null"}]}'],
      ['Union[int, str]', '{"anyOf": [{"type": "integer"}, {"type": "string"}]}'],
      [
        'tuple[int, str]',
        '{"type": "array", "maxItems": 2, "minItems": 2, "prefixItems": [{"type": "integer"}, {"type": "string"}]}',
      ],
      ['Any', '{}'],
    ];
    for (const [type, schema] of cases)
      expect(noteSchema(typeInfoOf(output(type).schema)), type).toBe(schema);
  });

  it('lists enum values and puts enums under $defs', () => {
    const Color = z.enum({ RED: 'red', GREEN: 'green' }).meta({ title: 'Color' });
    expect(noteSchema(typeInfoOf(z.array(Color)))).toBe(
      '{"type": "array", "$defs": {"Color": {"type": "string", "enum": ["red", "green"], "title": "Color"}}, "items": {"$ref": "#/$defs/Color"}}',
    );
  });

  it('adds the Python type to the requirements of non-str outputs', () => {
    expect(requirementTypeInfo(output('str'))).toBe('');
    expect(requirementTypeInfo(output('list[str]'))).toBe(' (must be formatted as a valid Python list[str])');
  });
});
