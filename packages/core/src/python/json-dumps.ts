import { InputError } from '../errors.js';
import { pyNumber } from './float-repr.js';
import { type FloatTypes, isFloatTyped, itemTyped, propertyTyped, type Typed } from './float-types.js';
import { PyFloat } from './py-float.js';

/** The options of Python's `json.dumps` that dspy-ts needs, with Python's defaults. */
export interface JsonDumpsOptions<T = never> {
  /** Spaces per level; one item per line when set. Default: all on one line. */
  readonly indent?: number | undefined;
  /** Escape everything outside printable ASCII as `\uXXXX`. Default true, as in Python. */
  readonly ensureAscii?: boolean | undefined;
  /**
   * Write NaN and ±Infinity as Python does (`NaN`, `Infinity`: not JSON). Default true, as in
   * Python; false throws instead, for text other programs must parse.
   */
  readonly allowNan?: boolean | undefined;
  /** Item and key separators. Default `[', ', ': ']`, or `[',', ': ']` with an indent. */
  readonly separators?: readonly [string, string] | undefined;
  /**
   * Python's `default=`: turns an object that is not a plain object or array into something
   * writable. Default: the object's own enumerable properties, as a dict.
   */
  readonly default?: ((value: object) => unknown) | undefined;
  /** The value's declared type, so whole numbers typed float print as `1.0`. */
  readonly type?: T | undefined;
  readonly types?: FloatTypes<T> | undefined;
}

// Python's json module escapes these with short forms; every other control character as \u00XX.
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const LONE_SURROGATE = /[\ud800-\udfff]/u;
// ensure_ascii escapes everything outside ' '..'~' (DEL included), one UTF-16 unit at a time.
const NON_ASCII = /[\u007f-\uffff]/g;

const unitEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A JSON string literal as Python's json module writes it. */
export function jsonString(text: string, ensureAscii: boolean): string {
  if (ensureAscii) return JSON.stringify(text).replace(NON_ASCII, unitEscape);
  // JSON.stringify escapes a lone surrogate; Python keeps it raw when ensure_ascii=False.
  if (!LONE_SURROGATE.test(text)) return JSON.stringify(text);
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    out += SHORT_ESCAPES[c] ?? (text.charCodeAt(i) < 0x20 ? unitEscape(c) : c);
  }
  return `${out}"`;
}

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const ownProperties = (value: object): unknown => Object.fromEntries(Object.entries(value));

interface Writer {
  /** One level of indentation, or undefined to write everything on one line. */
  readonly indentUnit: string | undefined;
  readonly itemSeparator: string;
  readonly keySeparator: string;
  readonly ensureAscii: boolean;
  readonly allowNan: boolean;
  readonly toWritable: (value: object) => unknown;
  /** The containers being written above the current value, to refuse cycles as Python does. */
  readonly ancestors: Set<object>;
}

/**
 * Python's `json.dumps(value, ...)`: `", "` and `": "` separators, `1.0` for floats the caller
 * marks (PyFloat, or a float `type`), bigints as ints, `undefined` as null (Python's None).
 */
export function pyJsonDumps<T = never>(value: unknown, options: JsonDumpsOptions<T> = {}): string {
  const { indent } = options;
  const [itemSeparator, keySeparator] = options.separators ?? [indent === undefined ? ', ' : ',', ': '];
  const writer: Writer = {
    indentUnit: indent === undefined ? undefined : ' '.repeat(indent),
    itemSeparator,
    keySeparator,
    ensureAscii: options.ensureAscii ?? true,
    allowNan: options.allowNan ?? true,
    toWritable: options.default ?? ownProperties,
    ancestors: new Set(),
  };
  return write(writer, value, { type: options.type, types: options.types }, '');
}

function write<T>(w: Writer, value: unknown, typed: Typed<T>, indent: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return jsonString(value, w.ensureAscii);
    case 'number':
      return number(w, value, isFloatTyped(typed));
    case 'bigint':
      return value.toString();
  }
  if (value instanceof PyFloat) return number(w, value.value, true);
  const object = value as object;
  if (
    typeof object === 'function' ||
    typeof object === 'symbol' ||
    !(Array.isArray(object) || isPlainObject(object))
  ) {
    return write(w, writable(w, object), typed, indent);
  }
  if (w.ancestors.has(object)) {
    throw new InputError('Circular reference detected: JSON cannot write a value that contains itself.');
  }
  w.ancestors.add(object);
  try {
    return Array.isArray(object)
      ? list(w, object, typed, indent)
      : dict(w, object as Record<string, unknown>, typed, indent);
  } finally {
    w.ancestors.delete(object);
  }
}

function writable(w: Writer, value: object): unknown {
  const replacement = w.toWritable(value);
  if (replacement === value) {
    const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    throw new InputError(`Object of type ${kind} is not JSON serializable: convert it before writing.`);
  }
  return replacement;
}

function number(w: Writer, x: number, float: boolean): string {
  if (!Number.isFinite(x)) {
    if (!w.allowNan) {
      throw new InputError(
        `Out of range float values are not JSON compliant: ${x}. Replace NaN and Infinity (e.g. with null) before writing.`,
      );
    }
    return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  }
  return pyNumber(x, float);
}

function list<T>(w: Writer, items: readonly unknown[], typed: Typed<T>, indent: string): string {
  if (items.length === 0) return '[]';
  const inner = w.indentUnit === undefined ? indent : indent + w.indentUnit;
  const parts = items.map((item, i) => write(w, item, itemTyped(typed, i), inner));
  return wrap(w, ['[', ']'], parts, indent, inner);
}

function dict<T>(w: Writer, record: Record<string, unknown>, typed: Typed<T>, indent: string): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return '{}';
  const inner = w.indentUnit === undefined ? indent : indent + w.indentUnit;
  const parts = keys.map(
    (key) =>
      jsonString(key, w.ensureAscii) +
      w.keySeparator +
      write(w, record[key], propertyTyped(typed, key), inner),
  );
  return wrap(w, ['{', '}'], parts, indent, inner);
}

function wrap(
  w: Writer,
  [open, close]: [string, string],
  parts: string[],
  indent: string,
  inner: string,
): string {
  if (w.indentUnit === undefined) return open + parts.join(w.itemSeparator) + close;
  return `${open}\n${inner}${parts.join(`${w.itemSeparator}\n${inner}`)}\n${indent}${close}`;
}
