import { readFileSync } from 'node:fs';
import { History, signature } from '@dspy-ts/core';
import { isPyInt } from '@dspy-ts/core/internal';
import { describe, expect, it } from 'vitest';
import { formatValue, pyJson, pyRepr, pyText } from '../src/format-value.js';
import { toolResultContent } from '../src/history-tools.js';
import { JSONAdapter } from '../src/json-adapter.js';
import { dedent, pyStrip, pyTitle, splitlines } from '../src/python-text.js';

describe('Python text of values', () => {
  it('writes scalars as Python str() does', () => {
    expect([true, false, null, 5, 'x'].map((v) => pyText(v))).toEqual(['True', 'False', 'None', '5', 'x']);
    expect(pyText(1, { kind: 'float' })).toBe('1.0');
    expect(pyText(1e20)).toBe('1e+20');
  });

  it('writes Python repr of strings, lists and dicts', () => {
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('say "hi" it\'s')).toBe("'say \"hi\" it\\'s'");
    expect(pyText(['a', 1, null, { b: true }])).toBe("['a', 1, None, {'b': True}]");
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
  });

  it('writes Python JSON with spaced separators and keeps non-ASCII', () => {
    expect(pyJson({ a: 1, b: [1, 2], c: 'é' })).toBe('{"a": 1, "b": [1, 2], "c": "é"}');
    expect(pyJson({ a: [], b: {} }, 2)).toBe('{\n  "a": [],\n  "b": {}\n}');
    expect(pyJson([1.5, 2], undefined, { kind: 'list', item: { kind: 'float' } })).toBe('[1.5, 2.0]');
    expect(pyJson(Number.NaN)).toBe('NaN');
  });
});

describe('formatValue', () => {
  const str = { kind: 'str' } as const;
  it('numbers a list given to a str field as blobs', () => {
    expect(formatValue(str, ['alpha', 'beta'])).toBe('[1] «alpha»\n[2] «beta»');
    expect(formatValue(str, ['only'])).toBe('«only»');
    expect(formatValue(str, [])).toBe('N/A');
    expect(formatValue(str, ['a\nb', 'c'])).toBe('[1] «««\n    a\n    b\n»»»\n[2] «c»');
  });

  it('writes containers as Python JSON and the rest as Python text', () => {
    expect(formatValue({ kind: 'list', item: str }, ['p1', 'p2'])).toBe('["p1", "p2"]');
    expect(formatValue(undefined, { a: 1 })).toBe('{"a": 1}');
    expect(formatValue(undefined, null)).toBe('None');
    expect(formatValue({ kind: 'float' }, 1)).toBe('1.0');
    expect(formatValue(undefined, new History([{ q: 'x' }]))).toBe('{"messages": [{"q": "x"}]}');
    expect(formatValue(undefined, new Date('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05.000Z');
  });
});

describe('Python string primitives', () => {
  it('strips Python whitespace, not JavaScript whitespace', () => {
    expect(pyStrip('\x1c a \x85')).toBe('a');
    expect(pyStrip('\ufeffa')).toBe('\ufeffa');
  });

  it('splits lines as str.splitlines()', () => {
    expect(splitlines('a\r\nb\rc\u2028d\n')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitlines('')).toEqual([]);
  });

  it('dedents as textwrap.dedent, emptying blank lines', () => {
    expect(dedent('  a\n    b\n   \n  c')).toBe('a\n  b\n\nc');
  });

  it('titles as str.title()', () => {
    expect(['my_field', 'camelCase', 'x2y'].map(pyTitle)).toEqual(['My_Field', 'Camelcase', 'X2Y']);
  });
});

interface PromptRow {
  input: string;
  field_float: string;
  field_list_float: string;
  field_dict: string;
  json_adapter_outputs: string;
  tool_result_scalar: string;
  tool_result_list: string;
}

// What DSPy 3.3.1 puts in prompts for these floats, recorded by
// packages/core/test/fixtures/python/make_pycompat.py.
const promptRows = (
  JSON.parse(
    readFileSync(new URL('../../core/test/fixtures/python/pycompat.json', import.meta.url), 'utf8'),
  ) as { dspy_prompts: PromptRow[] }
).dspy_prompts;
const SPECIAL: Record<string, number> = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, '-inf': -Infinity };
const float = (text: string): number => SPECIAL[text] ?? Number(text);
// Untyped, JavaScript cannot tell 1.0 or -0.0 from an int; those rows are checked through a float type.
const untypedRows = promptRows.filter((row) => !isPyInt(float(row.input)));

describe('float values in prompts, against DSPy', () => {
  const floatType = { kind: 'float' } as const;

  it('shows a float field as str(float): nan, inf, 1e-07', () => {
    for (const row of promptRows)
      expect(formatValue(floatType, float(row.input)), row.input).toBe(row.field_float);
  });

  it('writes NaN and Infinity inside a list or dict as null, as pydantic serializes them', () => {
    for (const row of promptRows) {
      const x = float(row.input);
      expect(formatValue({ kind: 'list', item: floatType }, [x, 1]), row.input).toBe(row.field_list_float);
    }
    for (const row of untypedRows) {
      const x = float(row.input);
      expect(formatValue(undefined, { a: x, b: [x] }), row.input).toBe(row.field_dict);
    }
  });

  it("writes the JSON adapter's outputs object with null for NaN and Infinity", () => {
    const sig = signature('question -> answer: float, items: list[float]');
    for (const row of promptRows) {
      const x = float(row.input);
      expect(new JSONAdapter().formatCompletion({ answer: x, items: [x] }, sig), row.input).toBe(
        row.json_adapter_outputs,
      );
    }
  });

  it('writes a tool result as json.dumps: NaN bare, null inside a list', () => {
    for (const row of untypedRows) {
      const x = float(row.input);
      expect(toolResultContent(x), row.input).toBe(row.tool_result_scalar);
      expect(toolResultContent([x]), row.input).toBe(row.tool_result_list);
    }
  });
});
