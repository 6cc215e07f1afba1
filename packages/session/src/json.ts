import { Example, History } from '@dspy-ts/core';
import { pyJsonDumps } from '@dspy-ts/core/internal';
import { SessionStateError } from './errors.js';
import { MAX_NESTING } from './state-schema.js';
import { isPlainRecord } from './turn.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Keys that could pollute prototypes if a loaded object were merged carelessly. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `turns[3].inputs.question`-style paths for error messages. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Makes a value JSON-safe for a saved session (Python `_safe_serialize_value`): History becomes
 * `{messages}`, Example/Prediction a plain record, `toJSON()` is honored, arrays and plain objects
 * recurse, other objects become `String(value)`; `undefined` and non-finite numbers become null.
 * Values JSON cannot represent (BigInt, functions, symbols, cycles) and prototype-polluting keys
 * throw SessionStateError naming the path, so nothing unloadable is ever written.
 */
export function toJsonSafe(value: unknown, path = '', seen: Set<object> = new Set()): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new SessionStateError(
        `Cannot save ${path || 'the value'}: a ${typeof value} has no JSON form. Convert it (e.g. to a string) before recording it.`,
      );
  }
  const object = value as object;
  // `seen` holds the objects above this one, so its size is the depth.
  if (seen.size >= MAX_NESTING) {
    throw new SessionStateError(
      `Cannot save ${path || 'the value'}: it nests deeper than ${MAX_NESTING} levels, which a session file cannot be read back with.`,
    );
  }
  if (seen.has(object)) {
    throw new SessionStateError(
      `Cannot save ${path || 'the value'}: it contains a cycle (JSON cannot represent it).`,
    );
  }
  seen.add(object);
  try {
    if (object instanceof History) return { messages: toJsonSafe(object.messages, `${path}.messages`, seen) };
    if (object instanceof Example) return toJsonSafe(object.toRecord(), path, seen);
    if (Array.isArray(object)) return object.map((item, i) => toJsonSafe(item, joinPath(path, i), seen));
    if (object instanceof Map) {
      return safeRecord(
        Object.fromEntries([...object].map(([k, v]) => [String(k), v as unknown])),
        path,
        seen,
      );
    }
    if (object instanceof Set) return [...object].map((item, i) => toJsonSafe(item, joinPath(path, i), seen));
    if (isPlainRecord(object)) return safeRecord(object, path, seen);
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJsonSafe(toJSON.call(object), path, seen);
    return String(object);
  } finally {
    seen.delete(object);
  }
}

function safeRecord(record: Record<string, unknown>, path: string, seen: Set<object>): JsonValue {
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(record)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new SessionStateError(
        `Cannot save ${joinPath(path, key)}: the key '${key}' is not allowed in session files (prototype pollution guard).`,
      );
    }
    out[key] = toJsonSafe(item, joinPath(path, key), seen);
  }
  return out;
}

/**
 * The text of a session file: Python's `json.dumps(value, indent=2)` (ASCII only, PyFloat as
 * `1.0`), so a session saved here is byte-identical to one saved by dspy-session. Python would
 * write NaN and Infinity, which is not JSON; `toJsonSafe` has already made them null so that any
 * JSON reader can load the file, and a non-finite number that gets past it throws rather than
 * writing a file nothing else reads.
 */
export const sessionFileText = (value: unknown): string => pyJsonDumps(value, { indent: 2, allowNan: false });
