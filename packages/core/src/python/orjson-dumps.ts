import { isPyInt } from './float-repr.js';
import { PyFloat } from './py-float.js';

/**
 * orjson's text for a float: shortest round-trip digits, always with a fraction or an exponent;
 * the exponent form (`1e-6`, `1e16`, no `+`, no padding) below 1e-5 and from 1e16. orjson writes
 * NaN and ±Infinity as null, so its output is always JSON.
 */
export function orjsonFloat(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -5 || exp >= 16) return `${mantissa}e${exp}`;
  // JavaScript prints decimals (never an exponent) from 1e-7 up to 1e21.
  const text = String(x);
  return text.includes('.') ? text : `${text}.0`;
}

/**
 * What Python DSPy writes for a program file: `orjson.dumps(state, OPT_INDENT_2 |
 * OPT_APPEND_NEWLINE)`: 2-space indentation, raw UTF-8, `": "` after keys, one final newline.
 * Whole numbers in PyFloat print as `1.0`; `toJSON()` is honored and undefined members are
 * skipped, as JSON.stringify does.
 */
export function orjsonDumps(value: unknown): string {
  return `${write(value, '') ?? 'null'}\n`;
}

function write(value: unknown, indent: string): string | undefined {
  if (value instanceof PyFloat) return orjsonFloat(value.value);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'number':
      return isPyInt(value) ? String(value) : orjsonFloat(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
    case 'bigint':
      return String(value);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), indent);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => inner + (write(item, inner) ?? 'null'));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const members: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const text = write(item, inner);
    if (text !== undefined) members.push(`${inner}${JSON.stringify(key)}: ${text}`);
  }
  return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${indent}}`;
}
