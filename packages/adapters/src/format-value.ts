import { History, Tool, ToolCalls } from '@dspy-ts/core';
import { pyStringRepr } from '@dspy-ts/core/internal';
import type { TypeInfo } from './type-info.js';

/**
 * Python-compatible value rendering: Python text (`True`, `None`, `1.0`,
 * `1e+20`), Python JSON (`", "` and `": "` separators, non-ASCII kept), and DSPy's field
 * rendering. `JSON.stringify` is not used for containers because its output differs.
 */

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloat(x: number, json = false): string {
  if (Number.isNaN(x)) return json ? 'NaN' : 'nan';
  if (!Number.isFinite(x)) return x > 0 ? (json ? 'Infinity' : 'inf') : json ? '-Infinity' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fraction = digits.slice(exp + 1);
  return `${sign}${whole}.${fraction || '0'}`;
}

/** A JS number as Python would print it: safe integers as ints, the rest (or any `float` field) as floats. */
export function pyNumber(x: number, type?: TypeInfo, json = false): string {
  if (type?.kind !== 'float' && Number.isSafeInteger(x)) return String(x);
  return pyFloat(x, json);
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

const itemType = (type: TypeInfo | undefined, index: number): TypeInfo | undefined => {
  if (!type) return undefined;
  if (type.kind === 'list') return type.item;
  if (type.kind === 'tuple') return type.items[index] ?? type.rest;
  if (type.kind === 'union') return type.options.find((o) => o.kind === 'list' || o.kind === 'tuple');
  return undefined;
};

const propertyType = (type: TypeInfo | undefined, key: string): TypeInfo | undefined => {
  if (!type) return undefined;
  if (type.kind === 'dict') return type.value;
  if (type.kind === 'model') return type.properties.find((p) => p.name === key)?.type;
  if (type.kind === 'union')
    return propertyType(
      type.options.find((o) => o.kind === 'model' || o.kind === 'dict'),
      key,
    );
  return undefined;
};

const scalarType = (type: TypeInfo | undefined): TypeInfo | undefined =>
  type?.kind === 'union' ? type.options.find((o) => o.kind === 'float') : type;

/**
 * pydantic's JSON-mode dump (`to_jsonable_python`): History and models become objects, Maps and
 * Sets become objects and arrays, `toJSON()` is honoured (dates become ISO strings).
 */
export function toJsonData(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'object')
    return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  if (Array.isArray(value)) return value.map(toJsonData);
  if (value instanceof History) return { messages: value.messages.map(toJsonData) };
  // DSPy serializes a Tool as `str(tool)` and ToolCalls as their calls without ids (plus results).
  if (value instanceof Tool) return String(value);
  if (value instanceof ToolCalls) {
    const results = value.results;
    return toJsonData(
      results
        ? {
            ...value.format(),
            tool_call_results: (value.toJSON() as { tool_call_results: unknown }).tool_call_results,
          }
        : value.format(),
    );
  }
  if (value instanceof Set) return [...value].map(toJsonData);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonData(v)]));
  const withJson = value as { toJSON?: () => unknown; toDict?: () => unknown };
  if (typeof withJson.toJSON === 'function') return toJsonData(withJson.toJSON());
  if (typeof withJson.toDict === 'function') return toJsonData(withJson.toDict());
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonData(v)]));
}

/**
 * Python JSON (`json.dumps(..., ensure_ascii=False)`) of JSON data. Without `indent` the
 * separators are `", "` and `": "`; with it, one item per line. Floats keep `.0` when the type says float.
 */
export function pyJson(value: unknown, indent?: number, type?: TypeInfo, level = 0): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pyNumber(value, scalarType(type), true);
  if (typeof value === 'bigint') return value.toString();
  // JSON.stringify escapes strings exactly as Python's json module does with ensure_ascii=False.
  if (typeof value === 'string') return JSON.stringify(value);
  const entries: [string | undefined, unknown, TypeInfo | undefined][] = Array.isArray(value)
    ? value.map((v, i) => [undefined, v, itemType(type, i)])
    : Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, v, propertyType(type, k)]);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const parts = entries.map(
    ([k, v, t]) => (k === undefined ? '' : `${JSON.stringify(k)}: `) + pyJson(v, indent, t, level + 1),
  );
  if (indent === undefined) return open + parts.join(', ') + close;
  const inner = ' '.repeat(indent * (level + 1));
  return `${open}\n${inner}${parts.join(`,\n${inner}`)}\n${' '.repeat(indent * level)}${close}`;
}

/** Python's `repr()` of a value (what `str()` shows for the items of a list or dict). */
export function pyRepr(value: unknown, type?: TypeInfo): string {
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((v, i) => pyRepr(v, itemType(type, i))).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v, propertyType(type, k))}`)
      .join(', ')}}`;
  }
  return pyText(value, type);
}

/** Python's `str()` of a value: `True`, `None`, `1.0`, strings unchanged, `['a', 'b']`, `{'a': 1}`. */
export function pyText(value: unknown, type?: TypeInfo): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return pyNumber(value, scalarType(type));
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof History) return `messages=${pyRepr(toJsonData(value.messages))}`;
  if (Array.isArray(value) || isPlainObject(value)) return pyRepr(value, type);
  const data = toJsonData(value);
  return data !== value && typeof data === 'object' ? pyRepr(data, type) : String(value);
}

const blob = (item: unknown): string => {
  const text = pyText(item);
  if (!text.includes('\n') && !text.includes('«') && !text.includes('»')) return `«${text}»`;
  return `«««\n    ${text.replaceAll('\n', '\n    ')}\n»»»`;
};

/**
 * DSPy's `format_field_value`: a list given to a `str` field becomes numbered blobs,
 * containers become Python JSON, everything else Python text.
 */
export function formatValue(type: TypeInfo | undefined, value: unknown): string {
  if (Array.isArray(value) && type?.kind === 'str') {
    if (value.length === 0) return 'N/A';
    if (value.length === 1) return blob(value[0]);
    return value.map((item, i) => `[${i + 1}] ${blob(item)}`).join('\n');
  }
  const data = toJsonData(value);
  if (Array.isArray(data) || (typeof data === 'object' && data !== null))
    return pyJson(data, undefined, type);
  return pyText(data, type);
}
