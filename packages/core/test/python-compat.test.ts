import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/index.js';
import { isPyInt, pyFloatRepr, pyNumber } from '../src/python/float-repr.js';
import type { FloatTypes } from '../src/python/float-types.js';
import { pyJsonDumps } from '../src/python/json-dumps.js';
import { orjsonDumps, orjsonFloat } from '../src/python/orjson-dumps.js';
import { PyFloat } from '../src/python/py-float.js';
import { pyRepr, pyStr, pyStringRepr } from '../src/python/repr.js';

type Outcome = { ok: string } | { error: string };
interface NumberRow {
  input: string;
  repr: string;
  str: string;
  json_dumps: string;
  json_dumps_in_list: string;
  json_dumps_indent2: string;
  json_dumps_allow_nan_false: Outcome;
  orjson_dumps: Outcome;
  orjson_dumps_indent2: Outcome;
}
interface StringRow {
  input: string;
  repr: string;
  json_dumps: string;
  json_dumps_ensure_ascii_false: string;
  orjson_dumps: Outcome;
}

// Recorded from Python 3.11 (json, orjson) by fixtures/python/make_pycompat.py.
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/python/pycompat.json', import.meta.url), 'utf8'),
) as { floats: NumberRow[]; ints: NumberRow[]; strings: StringRow[] };

const SPECIAL: Record<string, number> = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, '-inf': -Infinity };
const float = (text: string): number => SPECIAL[text] ?? Number(text);
const ok = (outcome: Outcome): string | undefined => ('ok' in outcome ? outcome.ok : undefined);

describe('Python float text, against values recorded from Python', () => {
  it('writes repr(float) and str(float) for every recorded float', () => {
    for (const row of fixture.floats) {
      expect(pyFloatRepr(float(row.input)), row.input).toBe(row.repr);
      expect(pyStr(new PyFloat(float(row.input))), row.input).toBe(row.str);
    }
  });

  it('writes floats in json.dumps as Python does, NaN and Infinity included', () => {
    for (const row of fixture.floats) {
      const x = new PyFloat(float(row.input));
      expect(pyJsonDumps(x), row.input).toBe(row.json_dumps);
      expect(pyJsonDumps([x, { k: x }], { ensureAscii: false }), row.input).toBe(row.json_dumps_in_list);
      expect(pyJsonDumps({ k: [x] }, { indent: 2 }), row.input).toBe(row.json_dumps_indent2);
    }
  });

  it('refuses NaN and Infinity with allowNan false, as json.dumps(allow_nan=False) does', () => {
    for (const row of fixture.floats) {
      const dump = () => pyJsonDumps(new PyFloat(float(row.input)), { allowNan: false });
      const expected = ok(row.json_dumps_allow_nan_false);
      if (expected === undefined) {
        expect(dump, row.input).toThrow(InputError);
        expect(dump, row.input).toThrow('Out of range float values are not JSON compliant');
      } else {
        expect(dump(), row.input).toBe(expected);
      }
    }
  });

  it('writes floats as orjson does: no exponent padding, null for NaN and Infinity', () => {
    for (const row of fixture.floats) {
      const x = float(row.input);
      expect(orjsonFloat(x), row.input).toBe(ok(row.orjson_dumps));
      expect(orjsonDumps({ k: [new PyFloat(x)] }), row.input).toBe(ok(row.orjson_dumps_indent2));
    }
  });
});

describe('Python ints', () => {
  it('writes whole numbers below 1e16 as ints, and bigints of any size', () => {
    for (const row of fixture.ints) {
      expect(pyJsonDumps(BigInt(row.input)), row.input).toBe(row.json_dumps);
      expect(pyStr(BigInt(row.input)), row.input).toBe(row.repr);
      const x = Number(row.input);
      if (!isPyInt(x)) continue;
      expect(pyJsonDumps(x), row.input).toBe(row.json_dumps);
      expect(pyRepr(x), row.input).toBe(row.repr);
      expect(orjsonDumps({ k: [x] }), row.input).toBe(ok(row.orjson_dumps_indent2));
    }
  });

  it('writes a whole number from 1e16 up as a float, the form Python floats take from there', () => {
    expect(isPyInt(9999999999999998)).toBe(true);
    expect([1e16, -1e20].map((x) => pyNumber(x))).toEqual(['1e+16', '-1e+20']);
    expect(pyNumber(3, true)).toBe('3.0');
    expect(pyNumber(-0)).toBe('0');
  });
});

describe('Python strings', () => {
  it('writes repr(str) for every recorded string', () => {
    for (const row of fixture.strings) expect(pyStringRepr(row.input), row.repr).toBe(row.repr);
  });

  it('escapes strings as json.dumps does, with and without ensure_ascii', () => {
    for (const row of fixture.strings) {
      expect(pyJsonDumps(row.input), row.repr).toBe(row.json_dumps);
      expect(pyJsonDumps(row.input, { ensureAscii: false }), row.repr).toBe(
        row.json_dumps_ensure_ascii_false,
      );
    }
  });

  it('escapes strings as orjson does', () => {
    for (const row of fixture.strings) {
      const expected = ok(row.orjson_dumps);
      if (expected !== undefined) expect(orjsonDumps(row.input), row.repr).toBe(`${expected}\n`);
    }
  });
});

describe('json.dumps', () => {
  it('separates with ", " and ": " on one line, and "," plus a newline with an indent', () => {
    const value = { a: [1, 'é'], b: {}, c: [] };
    expect(pyJsonDumps(value, { ensureAscii: false })).toBe('{"a": [1, "é"], "b": {}, "c": []}');
    expect(pyJsonDumps(value, { indent: 2 })).toBe(
      '{\n  "a": [\n    1,\n    "\\u00e9"\n  ],\n  "b": {},\n  "c": []\n}',
    );
    expect(pyJsonDumps(value, { separators: [',', ':'] })).toBe('{"a":[1,"\\u00e9"],"b":{},"c":[]}');
  });

  it('writes undefined as null, as Python has only None', () => {
    expect(pyJsonDumps({ a: undefined, b: [undefined] })).toBe('{"a": null, "b": [null]}');
  });

  it('writes an object through `default`, and its own properties without one', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    expect(pyJsonDumps({ p: new Point(1) })).toBe('{"p": {"x": 1}}');
    expect(pyJsonDumps({ p: new Point(1) }, { default: (v) => String(v) })).toBe('{"p": "[object Object]"}');
    expect(() => pyJsonDumps(new Point(1), { default: (v) => v })).toThrow(
      'Object of type Point is not JSON serializable',
    );
  });

  it('refuses a value that contains itself, as Python does', () => {
    const loop: Record<string, unknown> = {};
    loop.self = [loop];
    expect(() => pyJsonDumps(loop)).toThrow('Circular reference detected');
    const shared = { a: 1 };
    expect(pyJsonDumps([shared, shared])).toBe('[{"a": 1}, {"a": 1}]');
  });

  it('writes a whole number as a float where the declared type says float', () => {
    type Shape = 'float' | 'int' | { list: Shape } | { dict: Record<string, Shape> };
    const types: FloatTypes<Shape> = {
      isFloat: (type) => type === 'float',
      item: (type) => (typeof type === 'object' && 'list' in type ? type.list : undefined),
      property: (type, key) => (typeof type === 'object' && 'dict' in type ? type.dict[key] : undefined),
    };
    const type: Shape = { dict: { score: 'float', count: 'int', all: { list: 'float' } } };
    const value = { score: 1, count: 1, all: [2, 2.5] };
    expect(pyJsonDumps(value, { type, types })).toBe('{"score": 1.0, "count": 1, "all": [2.0, 2.5]}');
    expect(pyRepr(value, { type, types })).toBe("{'score': 1.0, 'count': 1, 'all': [2.0, 2.5]}");
  });
});

describe('Python repr and str', () => {
  it('writes None, True and False, and nan inside containers as repr does', () => {
    expect(pyRepr([null, true, false, Number.NaN, -Infinity, 'x'])).toBe(
      "[None, True, False, nan, -inf, 'x']",
    );
    expect(pyStr({ "it's": 1.5 })).toBe('{"it\'s": 1.5}');
  });

  it('shows other objects by their data when the caller says how, else by String()', () => {
    const date = new Date('2024-01-02T03:04:05.000Z');
    expect(pyStr(date)).toBe(String(date));
    expect(pyStr(new Map([['a', 1]]), { toData: (v) => Object.fromEntries(v as Map<string, number>) })).toBe(
      "{'a': 1}",
    );
  });
});
