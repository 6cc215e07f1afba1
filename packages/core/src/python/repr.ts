import { History } from '../primitives/history.js';
import { pyNumber } from './float-repr.js';
import { isFloatTyped, itemTyped, propertyTyped, type Typed } from './float-types.js';
import { PyFloat } from './py-float.js';

/**
 * Python's `repr()` and `str()` of values, the text Python code shows a model: `True`, `None`,
 * `1.0`, `'it'`, `['a', 1]`, `{'a': None}`.
 */

/** How to show a value: its declared float types, and what an object Python would hold as a model shows. */
export interface ReprOptions<T = never> extends Typed<T> {
  /** The data an object that is not a plain object or array shows (default: its `String()`). */
  readonly toData?: ((value: object) => unknown) | undefined;
}

// Python's repr escapes non-printable characters; space is the only printable separator.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

const escapeChar = (ch: string): string => {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
};

/** Python's `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
export function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) out += escapeChar(ch);
    else out += ch;
  }
  return out + quote;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

type ToData = ((value: object) => unknown) | undefined;

/** Python's `repr()` of a value (what `str()` shows for the items of a list or dict). */
export const pyRepr = <T>(value: unknown, options: ReprOptions<T> = {}): string =>
  repr(value, options, options.toData);

/** Python's `str()` of a value: `True`, `None`, `1.0`, strings unchanged, `['a', 'b']`, `{'a': 1}`. */
export const pyStr = <T>(value: unknown, options: ReprOptions<T> = {}): string =>
  str(value, options, options.toData);

function repr<T>(value: unknown, typed: Typed<T>, toData: ToData): string {
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value))
    return `[${value.map((item, i) => repr(item, itemTyped(typed, i), toData)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(
      ([key, item]) => `${pyStringRepr(key)}: ${repr(item, propertyTyped(typed, key), toData)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return str(value, typed, toData);
}

function str<T>(value: unknown, typed: Typed<T>, toData: ToData): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return pyNumber(value, isFloatTyped(typed));
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PyFloat) return pyNumber(value.value, true);
  // A pydantic model's str() is its fields as `name=repr(value)`.
  if (value instanceof History)
    return `messages=${repr(toData ? toData(value.messages) : value.messages, {}, toData)}`;
  if (Array.isArray(value) || isPlainObject(value)) return repr(value, typed, toData);
  const data = toData ? toData(value as object) : value;
  return data !== value && typeof data === 'object' ? repr(data, typed, toData) : String(value);
}
