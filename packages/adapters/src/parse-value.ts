import { History } from '@dspy-ts/core';
import { isPlainObject } from '@dspy-ts/core/internal';
import { pyRepr, pyText } from './format-value.js';
import { lenientJsonLoads, NOTHING } from './lenient-json.js';
import { literalEval } from './python-literal.js';
import { pyStrip } from './python-text.js';
import type { TypeInfo } from './type-info.js';

/** A value that does not fit its field's type (pydantic's ValidationError in DSPy). */
export class ValueParseError extends Error {
  override readonly name = 'ValueParseError';
}

const fail = (message: string, value: unknown): never => {
  throw new ValueParseError(`${message} [input_value=${pyRepr(value)}]`);
};

const INT_TEXT = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_TEXT = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:[eE][+-]?\d+)?|\d+\.|inf|infinity|nan)$/i;
const TRUE_TEXT = new Set(['true', 'yes', 'on', 't', 'y', '1']);
const FALSE_TEXT = new Set(['false', 'no', 'off', 'f', 'n', '0']);

/** Values whose JS type is exactly the one the option names (pydantic's smart-union first pass). */
function exactMatch(value: unknown, type: TypeInfo): boolean {
  switch (type.kind) {
    case 'str':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'none':
      return value === null || value === undefined;
    case 'list':
    case 'tuple':
      return Array.isArray(value);
    case 'dict':
    case 'model':
      return isPlainObject(value);
    case 'literal':
      return type.values.includes(value as never);
    case 'enum':
      return type.members.some(([, v]) => v === value);
    case 'history':
      return value instanceof History;
    default:
      return false;
  }
}

/** pydantic's lax-mode validation, returning the coerced value. */
export function laxValidate(value: unknown, type: TypeInfo): unknown {
  switch (type.kind) {
    case 'str':
      return typeof value === 'string' ? value : fail('Input should be a valid string', value);
    case 'int': {
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'number') {
        return Number.isInteger(value)
          ? value
          : fail('Input should be a valid integer, got a number with a fractional part', value);
      }
      if (typeof value === 'string') {
        const text = pyStrip(value);
        return INT_TEXT.test(text)
          ? Number(text.replaceAll('_', ''))
          : fail('Input should be a valid integer, unable to parse string as an integer', value);
      }
      return fail('Input should be a valid integer', value);
    }
    case 'float': {
      if (typeof value === 'number') return value;
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'string') {
        const text = pyStrip(value).replaceAll('_', '');
        if (!FLOAT_TEXT.test(pyStrip(value)))
          return fail('Input should be a valid number, unable to parse string as a number', value);
        const lower = text.toLowerCase().replace(/^\+/, '');
        if (lower === 'nan' || lower === '-nan') return Number.NaN;
        if (/^-?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
        return Number(text);
      }
      return fail('Input should be a valid number', value);
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      if (typeof value === 'string') {
        const lower = value.toLowerCase();
        if (TRUE_TEXT.has(lower)) return true;
        if (FALSE_TEXT.has(lower)) return false;
      }
      return fail('Input should be a valid boolean', value);
    }
    case 'none':
      return value === null || value === undefined ? null : fail('Input should be None', value);
    case 'any':
    case 'other':
      return value;
    case 'history':
      try {
        return History.from(value);
      } catch {
        return fail('Input should be a valid History', value);
      }
    case 'list':
      return Array.isArray(value)
        ? value.map((item, i) => at(i, () => laxValidate(item, type.item)))
        : fail('Input should be a valid list', value);
    case 'tuple': {
      if (!Array.isArray(value)) return fail('Input should be a valid tuple', value);
      if (!type.rest && value.length !== type.items.length) {
        return fail(
          `Tuple should have ${type.items.length} items after validation, not ${value.length}`,
          value,
        );
      }
      return value.map((item, i) => at(i, () => laxValidate(item, type.items[i] ?? type.rest!)));
    }
    case 'dict':
      return isPlainObject(value)
        ? Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, at(k, () => laxValidate(v, type.value))]),
          )
        : fail('Input should be a valid dictionary', value);
    case 'literal': {
      const found = type.values.find((v) => v === value);
      return found !== undefined || (value === null && type.values.includes(null))
        ? (found ?? null)
        : fail(`Input should be ${type.values.map((v) => pyRepr(v)).join(' or ')}`, value);
    }
    case 'enum': {
      const member =
        type.members.find(([, v]) => v === value) ?? type.members.find(([name]) => name === value);
      return member
        ? member[1]
        : fail(`Input should be ${type.members.map(([, v]) => pyRepr(v)).join(' or ')}`, value);
    }
    case 'union': {
      const exact = type.options.find((option) => exactMatch(value, option));
      if (exact) {
        try {
          return laxValidate(value, exact);
        } catch {
          // fall back to the lax pass
        }
      }
      const errors: string[] = [];
      for (const option of type.options) {
        try {
          return laxValidate(value, option);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
      return fail(`No union member matched: ${errors.join('; ')}`, value);
    }
    case 'model': {
      if (!isPlainObject(value)) return fail('Input should be a valid dictionary or object', value);
      const result: Record<string, unknown> = {};
      for (const property of type.properties) {
        const present = Object.hasOwn(value, property.name) && value[property.name] !== undefined;
        // zod's `.optional()` rejects null where Python's `Optional[X] = None` takes it: leave it out.
        const nullForOptional = present && value[property.name] === null && !property.required;
        if (present && !nullForOptional) {
          result[property.name] = at(property.name, () => laxValidate(value[property.name], property.type));
        } else if (property.required) fail(`Field required: ${property.name}`, value);
      }
      return result;
    }
  }
}

const at = <T>(key: string | number, fn: () => T): T => {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ValueParseError) throw new ValueParseError(`${key}: ${error.message}`);
    throw error;
  }
};

const pyTuple = (values: readonly unknown[]): string =>
  values.length === 1 ? `(${pyRepr(values[0])},)` : `(${values.map((v) => pyRepr(v)).join(', ')})`;

/** DSPy's Literal matching: exact, then stripped of padding, `Literal[...]` and quotes. */
function parseLiteral(value: unknown, allowed: readonly unknown[]): unknown {
  if (allowed.includes(value)) return value;
  if (typeof value === 'string') {
    let v = pyStrip(value);
    if ((v.startsWith('Literal[') || v.startsWith('str[')) && v.endsWith(']'))
      v = v.slice(v.indexOf('[') + 1, -1);
    if (v.length > 1 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'")) v = v.slice(1, -1);
    if (allowed.includes(v)) return v;
    // Deviation from DSPy: DSPy cannot read numeric or boolean Literals from text ('1' is
    // not 1); we accept the JSON reading of the text when it is one of the allowed values.
    const decoded = lenientJsonLoads(v);
    if (decoded !== NOTHING && typeof decoded !== 'string' && allowed.includes(decoded)) return decoded;
  }
  throw new ValueParseError(`${pyRepr(value)} is not one of ${pyTuple(allowed)}`);
}

/**
 * Coerces one output value to its field type as DSPy's `parse_value` does. Strings
 * from the LM go through lenient JSON and Python-literal reading first.
 */
export function coerceValue(value: unknown, type: TypeInfo): unknown {
  if (type.kind === 'str') return typeof value === 'string' ? value : pyText(value);
  if (type.kind === 'enum') {
    // Deviation from DSPy: DSPy matches int-valued members only by name; we also read the text as JSON.
    const decoded = typeof value === 'string' ? lenientJsonLoads(value) : NOTHING;
    const member =
      type.members.find(([, v]) => v === value) ??
      type.members.find(([name]) => name === value) ??
      type.members.find(([, v]) => typeof v !== 'string' && v === decoded);
    if (member) return member[1];
    throw new ValueParseError(`${pyText(value)} is not a valid name or value for the enum ${type.name}`);
  }
  if (type.kind === 'literal') return parseLiteral(value, type.values);
  if (typeof value !== 'string') return laxValidate(value, type);
  if (
    type.kind === 'union' &&
    type.options.some((o) => o.kind === 'str') &&
    type.options.some((o) => o.kind === 'none')
  ) {
    return laxValidate(value, type);
  }
  let candidate = lenientJsonLoads(value);
  if (candidate === NOTHING) {
    candidate = value;
    if (value !== '') {
      try {
        candidate = literalEval(value);
      } catch {
        // not a Python literal either: validate the raw text
      }
    }
  }
  return laxValidate(candidate, type);
}

type SafeParser = {
  safeParse(v: unknown): {
    success: boolean;
    data?: unknown;
    error?: { issues?: { message: string; path?: PropertyKey[] }[]; message?: string };
  };
};

/** Runs the field's own zod schema last, so refinements, bounds and transforms apply. */
export function validateWithSchema(value: unknown, schema: unknown): unknown {
  const parser = schema as Partial<SafeParser> | undefined;
  if (!parser || typeof parser.safeParse !== 'function') return value;
  const result = parser.safeParse(value);
  if (result.success) return result.data;
  // An `.optional()` output read as None: null is how a missing Optional value is reported.
  if (value === null && parser.safeParse(undefined).success) return null;
  const issues = result.error?.issues ?? [];
  const text =
    issues.length > 0
      ? issues
          .map((i) =>
            i.path && i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message,
          )
          .join('; ')
      : (result.error?.message ?? 'invalid value');
  throw new ValueParseError(`${text} [input_value=${pyRepr(value)}]`);
}

/** `coerceValue` then the zod schema: the full typed parse of one field. */
export const parseValue = (value: unknown, type: TypeInfo, schema?: unknown): unknown =>
  validateWithSchema(coerceValue(value, type), schema);
