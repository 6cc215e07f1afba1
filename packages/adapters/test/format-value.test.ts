import { History } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { formatValue, pyFloat, pyJson, pyRepr, pyText } from '../src/format-value.js';
import { dedent, pyStrip, pyTitle, splitlines } from '../src/python-text.js';

describe('Python text of values', () => {
  it('writes scalars as Python str() does', () => {
    expect([true, false, null, 5, 'x'].map((v) => pyText(v))).toEqual(['True', 'False', 'None', '5', 'x']);
    expect(pyText(1, { kind: 'float' })).toBe('1.0');
    expect(pyText(1e20)).toBe('1e+20');
  });

  it('prints floats like repr(float)', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [0.1, '0.1'],
      [1e-4, '0.0001'],
      [1e-5, '1e-05'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [1.5e-7, '1.5e-07'],
      [-2.5, '-2.5'],
      [123456789.125, '123456789.125'],
      [Number.NaN, 'nan'],
      [-Infinity, '-inf'],
    ];
    for (const [x, text] of cases) expect(pyFloat(x)).toBe(text);
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

describe('formatValue (FORMATS 2)', () => {
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
