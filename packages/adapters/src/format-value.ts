import { History, Tool, ToolCalls } from '@dspy-ts/core';
import { type FloatTypes, pyJsonDumps, pyRepr as pyReprOf, pyStr } from '@dspy-ts/core/internal';
import type { TypeInfo } from './type-info.js';

/**
 * DSPy's field rendering, on core's Python text (`True`, `None`, `1.0`, `1e+20`) and Python JSON
 * (`", "` and `": "` separators, non-ASCII kept), with the adapters' TypeInfo saying which numbers
 * are floats.
 */

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

const TYPE_FLOATS: FloatTypes<TypeInfo> = {
  isFloat: (type) => scalarType(type)?.kind === 'float',
  item: itemType,
  property: propertyType,
};

/**
 * DSPy's `serialize_for_json` (pydantic's JSON-mode dump): History and models become objects,
 * Maps and Sets become objects and arrays, `toJSON()` is honoured (dates become ISO strings).
 * NaN and ±Infinity inside a list or dict become null, as pydantic writes them; a bare number is
 * left for the caller (`str(nan)` is `nan` in a prompt, `json.dumps(nan)` is `NaN`).
 */
export const toJsonData = (value: unknown): unknown => jsonData(value, false);

function jsonData(value: unknown, nested: boolean): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return nested && !Number.isFinite(value) ? null : value;
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'object')
    return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  const inner = (item: unknown): unknown => jsonData(item, true);
  if (Array.isArray(value)) return value.map(inner);
  if (value instanceof History) return { messages: value.messages.map(inner) };
  // DSPy serializes a Tool as `str(tool)` and ToolCalls as their calls without ids (plus results).
  if (value instanceof Tool) return String(value);
  if (value instanceof ToolCalls) {
    const results = value.results;
    return jsonData(
      results
        ? {
            ...value.format(),
            tool_call_results: (value.toJSON() as { tool_call_results: unknown }).tool_call_results,
          }
        : value.format(),
      nested,
    );
  }
  if (value instanceof Set) return [...value].map(inner);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), inner(v)]));
  const withJson = value as { toJSON?: () => unknown; toDict?: () => unknown };
  if (typeof withJson.toJSON === 'function') return jsonData(withJson.toJSON(), nested);
  if (typeof withJson.toDict === 'function') return jsonData(withJson.toDict(), nested);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inner(v)]));
}

/**
 * Python JSON (`json.dumps(..., ensure_ascii=False)`) of JSON data. Without `indent` the
 * separators are `", "` and `": "`; with it, one item per line. Floats keep `.0` when the type says float.
 */
export const pyJson = (value: unknown, indent?: number, type?: TypeInfo): string =>
  pyJsonDumps(value, { indent, ensureAscii: false, type, types: TYPE_FLOATS });

/** Python's `repr()` of a value (what `str()` shows for the items of a list or dict). */
export const pyRepr = (value: unknown, type?: TypeInfo): string =>
  pyReprOf(value, { type, types: TYPE_FLOATS, toData: toJsonData });

/** Python's `str()` of a value: `True`, `None`, `1.0`, strings unchanged, `['a', 'b']`, `{'a': 1}`. */
export const pyText = (value: unknown, type?: TypeInfo): string =>
  pyStr(value, { type, types: TYPE_FLOATS, toData: toJsonData });

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
